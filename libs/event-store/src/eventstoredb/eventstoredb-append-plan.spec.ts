import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../event-store.port';
import { AppendTooLarge } from './eventstoredb-errors';
import { EVENT_OVERHEAD_BYTES, eventBytes, planAppends } from './eventstoredb-append-plan';

const userId = randomUUID();
function event(commandId: string, text: string): NewEvent {
  return {
    id: randomUUID(),
    type: 'ChunkReceived',
    data: { text },
    metadata: { userId, commandId, recordedAt: new Date(0).toISOString(), schemaVersion: 1 },
  };
}

describe('planAppends (cutting a stream append under MaxAppendSize)', () => {
  it('keeps a small append whole', () => {
    const events = [event('c1', 'a'), event('c2', 'b')];
    expect(planAppends('run-1', events, 1_048_576)).toEqual([events]);
  });

  it('counts data, metadata, twice the type and an overhead, over what the server counts', () => {
    const e = event('c1', 'hello');
    const server = JSON.stringify(e.data).length + JSON.stringify(e.metadata).length + e.type.length;
    expect(eventBytes(e)).toBeGreaterThan(server + EVENT_OVERHEAD_BYTES);
  });

  it('cuts between commands, in order, each append within the limit', () => {
    const commands = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const events = commands.flatMap((c) => [event(c, 'x'.repeat(300)), event(c, 'y'.repeat(300))]);
    const limit = eventBytes(events[0]) * 5;
    const appends = planAppends('run-1', events, limit);
    expect(appends.flat()).toEqual(events);
    expect(appends.length).toBeGreaterThan(1);
    for (const a of appends) {
      expect(a.reduce((n, e) => n + eventBytes(e), 0)).toBeLessThanOrEqual(limit);
      const ids = new Set(a.map((e) => e.metadata.commandId));
      for (const c of ids) expect(a.filter((e) => e.metadata.commandId === c)).toHaveLength(2);
    }
  });

  it('never cuts a command: one whose events alone are over the limit is refused, whole', () => {
    const big = Array.from({ length: 10 }, () => event('big', 'z'.repeat(500)));
    const events = [event('before', 'a'), ...big, event('after', 'b')];
    const limit = eventBytes(big[0]) * 4;
    const bytes = big.reduce((n, e) => n + eventBytes(e), 0);
    expect(() => planAppends('run-1', events, limit)).toThrow(new AppendTooLarge('run-1', limit, bytes));
  });

  it('refuses a single event over the limit, naming the stream', () => {
    const e = event('c1', 'x'.repeat(2_000));
    expect(() => planAppends('run-9', [e], 1_000)).toThrow(AppendTooLarge);
    expect(() => planAppends('run-9', [e], 1_000)).toThrow(
      /run-9: a command of \d+ bytes of events exceeds .* 1000 bytes/,
    );
  });
});
