import { Decoder, PacketType, type Packet } from 'socket.io-parser';
import { parsedFrameChars } from '@ledger/config';
import { PushEncoder } from './push-encoder';

/** The handshake (CONNECT) carries only the auth object: a token of at most 8 KiB and its JSON. */
export const MAX_HANDSHAKE_CHARS = 16 * 1024;

/**
 * Stands for a command payload that was too large to be worth parsing: the gateway answers it
 * `PAYLOAD_TOO_LARGE` without ever having turned it into objects.
 */
export class OversizedPayload {
  constructor(
    /** UTF-8 bytes of the payload's JSON text, as sent (the frame minus its envelope). */
    readonly bytes: number,
  ) {}
}

const RESERVED_EVENTS = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** `2` (EVENT), an optional `/namespace,`, an optional ack id, then `["event.name",` — all that is read of a big frame. */
const EVENT_HEAD = /^2(\/[^,]{0,64},)?(\d{1,16})?\["([A-Za-z][\w.:-]{0,63})",?/;

/**
 * socket.io's parser with a size check before `JSON.parse`, which is where a big frame costs its CPU (tens to
 * hundreds of ms for a few MB), on a connection that may not even be authenticated yet:
 * - before a handshake packet was seen, and for every packet type other than an event, a frame longer than
 *   {@link MAX_HANDSHAKE_CHARS} is a protocol violation: the decoder throws and socket.io closes the connection;
 * - an event frame longer than twice the payload limit + envelope is not parsed: it is read up to its event name and
 *   ack id, and handed on with an {@link OversizedPayload} in place of its payload, so its ack is
 *   `PAYLOAD_TOO_LARGE` and the connection stays open (docs/protocol.md, "Errors").
 * A frame's length in UTF-16 units never exceeds its UTF-8 bytes, so only frames certainly too large are skipped;
 * the others are parsed and checked in the contract's order (VALIDATION first, then PAYLOAD_TOO_LARGE).
 */
export function sizeCheckingParser(maxPayloadBytes: number) {
  const maxEventChars = parsedFrameChars(maxPayloadBytes);

  class SizeCheckingDecoder extends Decoder {
    private handshakeSeen = false;

    override add(frame: unknown): void {
      if (typeof frame === 'string') {
        if (frame.length > MAX_HANDSHAKE_CHARS) {
          if (!this.handshakeSeen || frame[0] !== String(PacketType.EVENT))
            throw new Error(`a frame of ${frame.length} characters before the handshake or outside an event`);
          if (frame.length > maxEventChars) return void this.emitReserved('decoded', oversizedEvent(frame));
        } else if (frame[0] === String(PacketType.CONNECT)) this.handshakeSeen = true;
      }
      super.add(frame);
    }
  }

  return { Encoder: PushEncoder, Decoder: SizeCheckingDecoder };
}

function oversizedEvent(frame: string): Packet {
  const head = EVENT_HEAD.exec(frame.slice(0, 160));
  if (!head) throw new Error('an oversized frame that is not a well-formed event');
  const [text, nsp, id, name] = head;
  // socket.io's own event names may not come from a client (the stock decoder refuses them too).
  if (RESERVED_EVENTS.has(name)) throw new Error(`a client may not send the reserved event ${name}`);
  // The payload's bytes: the frame's, less the envelope (ASCII) and the closing bracket.
  const bytes = Buffer.byteLength(frame, 'utf8') - text.length - 1;
  return {
    type: PacketType.EVENT,
    nsp: nsp ? nsp.slice(0, -1) : '/',
    ...(id !== undefined && { id: Number(id) }),
    data: [name, new OversizedPayload(bytes)],
  };
}
