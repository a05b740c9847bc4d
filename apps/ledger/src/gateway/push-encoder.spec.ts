import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { PushEncoder } from './push-encoder';

const stock = new Encoder();
const ours = new PushEncoder();

function run(messages: unknown[]) {
  return {
    id: 'b4c1',
    name: 'a "quoted" name\u2028',
    messages,
    settings: { model: 'x', nested: [1, null, { a: undefined }] },
    totalCost: '0.10',
    missing: undefined,
    fn: () => 1,
    version: 7,
  };
}

describe('PushEncoder', () => {
  it('writes every packet byte for byte as socket.io does for JSON payloads', () => {
    const messages = [
      { role: 'user', content: 'hi \ud83d\ude00', at: '2026-01-01T00:00:00.000Z' },
      { role: 'assistant', content: 'line\nbreak', meta: { date: new Date(0) } },
    ];
    const packets: Packet[] = [
      {
        type: PacketType.EVENT,
        nsp: '/',
        data: ['runs.changed', { run: { ...run(messages), models: ['m'] } }],
      },
      { type: PacketType.EVENT, nsp: '/', data: ['run.updated', { run: run([]) }] },
      { type: PacketType.EVENT, nsp: '/admin', data: ['task.updated', { task: { id: 't', text: 'x' } }] },
      { type: PacketType.EVENT, nsp: '/', data: ['replay.event', { runId: 'r', data: { n: 1 } }, 'extra'] },
      { type: PacketType.EVENT, nsp: '/', data: ['run.updated', { run: { messages: 'not a list' } }] },
      { type: PacketType.ACK, nsp: '/', id: 12, data: [{ ok: true, data: { run: run(messages) } }] },
      { type: PacketType.ACK, nsp: '/', id: 0, data: [{ ok: false, error: { code: 'X' } }] },
      { type: PacketType.CONNECT, nsp: '/', data: { sid: 'abc' } },
      { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'UNAUTHORIZED' } },
      { type: PacketType.DISCONNECT, nsp: '/' },
    ];
    for (const packet of packets) expect(ours.encode(packet)).toEqual(stock.encode(packet));
  });

  it('reuses the JSON of a messages list only while the list is the same', () => {
    const messages: unknown[] = [{ role: 'user', content: 'one' }];
    const packet = (): Packet => ({
      type: PacketType.EVENT,
      nsp: '/',
      data: ['runs.changed', { run: run(messages) }],
    });
    expect(ours.encode(packet())).toEqual(stock.encode(packet()));
    // A fold appends to a list it made itself before the batch commits: the length guard sees it.
    messages.push({ role: 'assistant', content: 'two' });
    expect(ours.encode(packet())).toEqual(stock.encode(packet()));
    expect(ours.encode(packet())[0]).toContain('"two"');
  });
});
