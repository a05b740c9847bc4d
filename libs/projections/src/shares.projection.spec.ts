import type { RecordedEvent } from '@ledger/event-store';
import { ShareLog } from './shares.projection';

let n = 0;
const event = (type: string, runId: string, extra: Record<string, unknown> = {}): RecordedEvent =>
  ({
    id: `e${++n}`,
    streamId: `run-${runId}`,
    revision: n,
    position: { commit: BigInt(n), prepare: BigInt(n) },
    type,
    data: { runId, ...extra },
    metadata: { userId: 'u', commandId: `c${n}`, recordedAt: '2026-01-01T00:00:00.000Z', schemaVersion: 2 },
  }) as RecordedEvent;

describe('ShareLog (a rebuild’s share events)', () => {
  it('keeps link events and the erasures of shared runs only, leaving out skipped events', () => {
    const created = event('ShareCreated', 'a', { shareId: 's1' });
    const skipped = event('ShareRevoked', 'a', { shareId: 's1' });
    const erasedShared = event('RunDeleted', 'a');
    const erasedOther = event('RunDeleted', 'b');
    const log = new ShareLog();
    log.add([event('RunStarted', 'a'), created, event('TaskCreated', 'b'), skipped], new Set([skipped.id]));
    log.add([erasedOther, erasedShared]);
    expect(log.events.map((e) => e.id)).toEqual([created.id, erasedShared.id]);
  });
});
