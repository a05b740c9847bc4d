import fc from 'fast-check';
import { Encoder, PacketType } from 'socket.io-parser';
import type { ReplayFrame } from '@ledger/contract';
import { replayPacket } from './replay-sink';

describe('replayPacket', () => {
  const object = fc.dictionary(fc.string(), fc.jsonValue());
  const frame: fc.Arbitrary<ReplayFrame> = fc.record({
    runId: fc.string(),
    version: fc.nat(),
    type: fc.string(),
    data: object,
    metadata: object,
  });

  it('is the text socket.io encodes for emit("replay.event", frame), in any namespace', () => {
    const encoder = new Encoder();
    fc.assert(
      fc.property(frame, fc.constantFrom('/', '/admin'), (f, nsp) => {
        const [expected] = encoder.encode({ type: PacketType.EVENT, nsp, data: ['replay.event', f] });
        expect(replayPacket(nsp, f, JSON.stringify(f.metadata))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
