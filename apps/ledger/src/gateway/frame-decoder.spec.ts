import { PacketType, type Packet } from 'socket.io-parser';
import { parsedFrameChars } from '@ledger/config';
import { MAX_HANDSHAKE_CHARS, OversizedPayload, sizeCheckingParser } from './frame-decoder';

const LIMIT = 64 * 1024;

function decoder() {
  const { Decoder } = sizeCheckingParser(LIMIT);
  const d = new Decoder();
  const decoded: Packet[] = [];
  d.on('decoded', (p: Packet) => decoded.push(p));
  return { d, decoded };
}

describe('the size-checking socket.io decoder', () => {
  it('hands a command frame over the limit on unparsed, with its name, ack id and exact payload bytes', () => {
    const { d, decoded } = decoder();
    d.add('0{"token":"t"}');
    const payload = JSON.stringify({
      settings: { s: 'x'.repeat(parsedFrameChars(LIMIT)) + 'é'.repeat(9) },
    });
    const parse = jest.spyOn(JSON, 'parse');
    d.add(`217["run.start",${payload}]`);
    expect(parse.mock.calls.filter(([text]) => String(text).length > LIMIT)).toEqual([]);
    parse.mockRestore();
    expect(decoded[1]).toEqual({
      type: PacketType.EVENT,
      nsp: '/',
      id: 17,
      data: ['run.start', new OversizedPayload(Buffer.byteLength(payload))],
    });
  });

  it('parses a command frame up to twice the limit + envelope, so its checks keep the protocol order', () => {
    const { d, decoded } = decoder();
    d.add('0{}');
    const payload = { s: 'x'.repeat(parsedFrameChars(LIMIT) - 40) };
    d.add(`23["run.start",${JSON.stringify(payload)}]`);
    expect(decoded[1]).toEqual({ type: PacketType.EVENT, nsp: '/', id: 3, data: ['run.start', payload] });
  });

  it('refuses a big frame before the handshake, a big handshake, a big frame of another type, a reserved name', () => {
    const big = 'x'.repeat(MAX_HANDSHAKE_CHARS);
    expect(() => decoder().d.add(`2["run.start",{"s":"${big}"}]`)).toThrow(/before the handshake/);
    expect(() => decoder().d.add(`0{"token":"${big}"}`)).toThrow(/before the handshake/);
    const { d } = decoder();
    d.add('0{}');
    expect(() => d.add(`3[{"s":"${big}"}]`)).toThrow(/outside an event/);
    expect(() => d.add(`2["disconnect",{"s":"${'x'.repeat(3 * LIMIT)}"}]`)).toThrow(/reserved/);
  });
});
