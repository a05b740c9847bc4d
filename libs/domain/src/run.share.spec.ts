import { NOW, USER, given, recorded } from '../test/decider-specification';
import { eventDataSchemas } from './events.schema';
import type { NewEvent, RunCommand } from './run.decide';

const RUN = '22222222-2222-4222-8222-222222222222';
const SHARE = '55555555-5555-4555-8555-555555555555';
const OTHER_USER = '44444444-4444-4444-8444-444444444444';
const HASH = 'a'.repeat(64);

const started: NewEvent = {
  type: 'RunStarted',
  data: {
    runId: RUN,
    userId: USER,
    sourceType: 'chat',
    name: 'shared',
    settings: {},
    variableValues: {},
    brokerValues: {},
    startedAt: '2026-11-24T09:00:00.000Z',
  },
};
const share = (extra: Partial<Extract<RunCommand, { type: 'run.share' }>['data']> = {}): RunCommand => ({
  type: 'run.share',
  data: { runId: RUN, shareId: SHARE, tokenHash: HASH, ...extra },
});
const created = (include: Array<'requestData'> = [], expiresAt = '2026-12-01T10:00:00.000Z'): NewEvent => ({
  type: 'ShareCreated',
  data: { runId: RUN, shareId: SHARE, tokenHash: HASH, expiresAt, include },
});
const unshare: RunCommand = { type: 'run.unshare', data: { runId: RUN, shareId: SHARE } };

describe('share links in the run decider', () => {
  it('records the token hash, never a token, expiring 7 days after the command by default', () => {
    given(started).when(share()).then([created()]);
    expect(eventDataSchemas.ShareCreated.safeParse(created().data).success).toBe(true);
  });

  it('takes expiresInDays from the command clock and sorts include', () => {
    given(started)
      .when(share({ expiresInDays: 1, include: ['requestData', 'requestData'] }))
      .then([created(['requestData'], '2026-11-25T10:00:00.000Z')]);
    expect(NOW).toBe('2026-11-24T10:00:00.000Z');
  });

  it('acks the share id (the edge adds the url)', () =>
    given(started).when(share()).thenAck({ shareId: SHARE }));

  it("is NOT_FOUND for another user's run, a missing run and an erased one", () => {
    given(started).when(share(), { userId: OTHER_USER }).thenFails('NOT_FOUND');
    given().when(share()).thenFails('NOT_FOUND');
    given(started, { type: 'RunDeleted', data: { runId: RUN } })
      .when(share())
      .thenFails('NOT_FOUND');
  });

  it('revokes a link once; again is a no-op; an unknown link is NOT_FOUND', () => {
    given(started, created())
      .when(unshare)
      .then([{ type: 'ShareRevoked', data: { runId: RUN, shareId: SHARE } }]);
    given(started, created(), { type: 'ShareRevoked', data: { runId: RUN, shareId: SHARE } })
      .when(unshare)
      .then([]);
    given(started).when(unshare).thenFails('NOT_FOUND');
    given(started, created()).when(unshare, { userId: OTHER_USER }).thenFails('NOT_FOUND');
  });

  it('answers a retried run.share with the first ack, from the event it wrote', () => {
    const event = recorded(created(), { commandId: 'c1', command: 'run.share', payloadHash: 'h' });
    given(started, event).when(share(), { commandId: 'c1', payloadHash: 'h' }).thenAck({ shareId: SHARE });
    given(started, event)
      .when(share(), { commandId: 'c2' })
      .thenFails('CONFLICT', /shareId/);
  });
});
