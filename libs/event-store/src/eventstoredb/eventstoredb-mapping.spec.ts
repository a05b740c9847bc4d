import { ANY, NO_STREAM, type AllStreamResolvedEvent } from '@eventstore/db-client';
import type { EventMetadata } from '@ledger/domain';
import {
  fromEsdbCurrentRevision,
  fromEsdbMetadata,
  isAfter,
  isRunStream,
  maxPosition,
  toEsdbEventData,
  toEsdbExpectedRevision,
  toEsdbMetadata,
  toRecordedEvent,
} from './eventstoredb-mapping';

const metadata: EventMetadata = {
  userId: '9b2f1c1e-2a43-4a57-9d7c-3f1c2a1b0c01',
  commandId: '5d1f6b0e-8c3a-4f0e-9a51-7b0c1d2e3f40',
  recordedAt: '2025-01-02T03:04:05.000Z',
  schemaVersion: 1,
};

function resolved(overrides: Record<string, unknown> = {}): AllStreamResolvedEvent {
  return {
    event: {
      streamId: 'run-1',
      id: 'e0000000-0000-4000-8000-000000000001',
      isJson: true,
      revision: 3n,
      type: 'RunRenamed',
      created: new Date(0),
      data: { runId: 'r', name: 'n' },
      metadata: toEsdbMetadata(metadata),
      position: { commit: 200n, prepare: 180n },
      ...overrides,
    },
  } as unknown as AllStreamResolvedEvent;
}

describe('EventStoreDB mapping', () => {
  describe('expected revision', () => {
    it('maps -1 to NO_STREAM, n to the exact bigint revision, any to ANY', () => {
      expect(toEsdbExpectedRevision(-1)).toBe(NO_STREAM);
      expect(toEsdbExpectedRevision(0)).toBe(0n);
      expect(toEsdbExpectedRevision(41)).toBe(41n);
      expect(toEsdbExpectedRevision('any')).toBe(ANY);
    });

    it('refuses revisions the port cannot mean', () => {
      expect(() => toEsdbExpectedRevision(-2)).toThrow(RangeError);
      expect(() => toEsdbExpectedRevision(1.5)).toThrow(RangeError);
    });

    it('reads the server current revision back as a number or null', () => {
      expect(fromEsdbCurrentRevision(7n)).toBe(7);
      expect(fromEsdbCurrentRevision(NO_STREAM)).toBeNull();
    });
  });

  describe('positions', () => {
    const p = (commit: bigint, prepare: bigint) => ({ commit, prepare });
    it('orders by commit, then prepare; null is before everything', () => {
      expect(isAfter(p(2n, 1n), null)).toBe(true);
      expect(isAfter(p(2n, 1n), p(1n, 9n))).toBe(true);
      expect(isAfter(p(2n, 2n), p(2n, 1n))).toBe(true);
      expect(isAfter(p(2n, 1n), p(2n, 1n))).toBe(false);
      expect(isAfter(p(1n, 9n), p(2n, 0n))).toBe(false);
    });

    it('keeps the newer of two positions', () => {
      expect(maxPosition(null, p(1n, 1n))).toEqual(p(1n, 1n));
      expect(maxPosition(p(3n, 1n), p(2n, 5n))).toEqual(p(3n, 1n));
      expect(maxPosition(null, null)).toBeNull();
    });
  });

  describe('metadata', () => {
    it('adds $correlationId and $causationId (the commandId) on write', () => {
      expect(toEsdbMetadata(metadata)).toEqual({
        ...metadata,
        $correlationId: metadata.commandId,
        $causationId: metadata.commandId,
      });
    });

    it('gives back exactly what was written on read', () => {
      expect(fromEsdbMetadata(toEsdbMetadata(metadata))).toEqual(metadata);
      const withCommand = { ...metadata, command: 'run.rename:abc' };
      expect(fromEsdbMetadata(toEsdbMetadata(withCommand))).toEqual(withCommand);
    });

    it('refuses metadata that is not a JSON object', () => {
      expect(() => fromEsdbMetadata(undefined)).toThrow(TypeError);
      expect(() => fromEsdbMetadata(new Uint8Array([1]))).toThrow(TypeError);
      expect(() => fromEsdbMetadata([1])).toThrow(TypeError);
    });

    it('builds the event data with the given id', () => {
      const e = toEsdbEventData({ id: 'x', type: 'RunStarred', data: { runId: 'r' }, metadata });
      expect(e).toEqual({
        id: 'x',
        type: 'RunStarred',
        data: { runId: 'r' },
        metadata: toEsdbMetadata(metadata),
      });
    });
  });

  describe('recorded events', () => {
    it('maps revision, position, data and metadata', () => {
      expect(toRecordedEvent(resolved())).toEqual({
        id: 'e0000000-0000-4000-8000-000000000001',
        streamId: 'run-1',
        revision: 3,
        position: { commit: 200n, prepare: 180n },
        type: 'RunRenamed',
        data: { runId: 'r', name: 'n' },
        metadata,
      });
    });

    it('leaves out system events, system streams and empty slots', () => {
      expect(toRecordedEvent(resolved({ type: '$metadata' }))).toBeNull();
      expect(toRecordedEvent(resolved({ streamId: '$$run-1' }))).toBeNull();
      expect(toRecordedEvent(resolved({ streamId: '$ce-run', type: '$>' }))).toBeNull();
      expect(toRecordedEvent({} as AllStreamResolvedEvent)).toBeNull();
    });

    it('returns a run event written from outside as stored, never throwing (the projector decides)', () => {
      const binary = toRecordedEvent(resolved({ isJson: false, data: new Uint8Array([1, 2]) }));
      expect(binary).toMatchObject({ streamId: 'run-1', revision: 3, data: null, metadata });
      const badMetadata = toRecordedEvent(resolved({ metadata: new Uint8Array([0x7b]) }));
      expect(badMetadata).toMatchObject({ streamId: 'run-1', type: 'RunRenamed', metadata: null });
      expect(toRecordedEvent(resolved({ metadata: undefined }))?.metadata).toBeNull();
    });

    it('keeps to run streams in $all', () => {
      expect(isRunStream('run-abc')).toBe(true);
      expect(isRunStream('$$run-abc')).toBe(false);
      expect(isRunStream('$ce-run')).toBe(false);
      expect(isRunStream('order-1')).toBe(false);
    });
  });
});
