import {
  NO_STREAM,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { StoreUnavailable, WrongExpectedRevision } from '../event-store.port';
import {
  AppendTooLarge,
  StreamDeleted,
  isStreamNotFound,
  isUnavailableError,
  toPortError,
} from './eventstoredb-errors';

describe('EventStoreDB errors as port errors', () => {
  it('turns a wrong expected version into WrongExpectedRevision with the actual revision', () => {
    const wrong = new WrongExpectedVersionError(undefined, {
      streamName: 'run-1',
      expected: 0n,
      current: 4n,
    });
    const mapped = toPortError(wrong, 'run-1', 0);
    expect(mapped).toBeInstanceOf(WrongExpectedRevision);
    expect(mapped).toMatchObject({ streamId: 'run-1', expected: 0, actual: 4 });
    const none = new WrongExpectedVersionError(undefined, {
      streamName: 'run-2',
      expected: 0n,
      current: NO_STREAM,
    });
    expect(toPortError(none, 'run-2', 0)).toMatchObject({ expected: 0, actual: null });
  });

  it('turns connection failures into StoreUnavailable', () => {
    expect(toPortError(new UnavailableError(undefined, 'down'), 'run-1', 'any')).toBeInstanceOf(
      StoreUnavailable,
    );
    expect(toPortError(new DeadlineExceededError(undefined, 'slow'), 'run-1', 'any')).toBeInstanceOf(
      StoreUnavailable,
    );
    expect(isUnavailableError({ code: 14, message: '14 UNAVAILABLE: No connection established' })).toBe(true);
    expect(isUnavailableError(new Error('boom'))).toBe(false);
  });

  // What the client makes of a batch-append reply with status "Server Is Busy" (unpackError.js: an unknown
  // detail type becomes UnknownError("Could not recognize <message>")), and of a node still starting.
  it('classifies a busy or not-ready server, which the client reports as an unknown error, as transient', () => {
    const busy = new UnknownError(undefined, 'Could not recognize Server Is Busy');
    expect(busy.message).toBe('Could not recognize Server Is Busy');
    expect(isUnavailableError(busy)).toBe(true);
    expect(toPortError(busy, 'run-1', 3)).toBeInstanceOf(StoreUnavailable);
    expect(
      toPortError(new UnknownError(undefined, 'Could not recognize Server Is Not Ready'), 'run-1', 3),
    ).toBeInstanceOf(StoreUnavailable);
    expect(toPortError(new Error('Server Is Busy'), 'run-1', 3)).toBeInstanceOf(StoreUnavailable);
    const other = new UnknownError(undefined, 'Could not recognize something else');
    expect(toPortError(other, 'run-1', 3)).toBe(other);
  });

  it('turns MaxAppendSizeExceeded into AppendTooLarge with the server limit', () => {
    const mapped = toPortError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), 'run-1', 2);
    expect(mapped).toBeInstanceOf(AppendTooLarge);
    expect(mapped).toMatchObject({ streamId: 'run-1', maxAppendBytes: 1_048_576 });
    expect(mapped.message).toMatch(/1048576 bytes/);
  });

  it('turns a hard-deleted stream into StreamDeleted', () => {
    const mapped = toPortError(StreamDeletedError.fromStreamName('run-1'), 'run-1', 'any');
    expect(mapped).toBeInstanceOf(StreamDeleted);
    expect(mapped).toMatchObject({ streamId: 'run-1', how: 'hard' });
  });

  it('passes other errors through, and typed errors unchanged', () => {
    const other = new Error('boom');
    expect(toPortError(other, 'run-1', 'any')).toBe(other);
    expect(toPortError('text', 'run-1', 'any')).toEqual(new Error('text'));
    const typed = new StreamDeleted('run-1', 'soft');
    expect(toPortError(typed, 'run-2', 'any')).toBe(typed);
  });

  it('recognises a missing stream', () => {
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 'run-1'))).toBe(true);
    expect(isStreamNotFound(new Error('x'))).toBe(false);
  });
});
