import { FRAME_ENVELOPE_BYTES, loadConfig } from './config';

describe('transport limits in the configuration', () => {
  it('defaults: per-user rate and socket caps, a frame limit well above the payload limit, a short handshake', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      LEDGER_RATE_LIMIT: 2000,
      LEDGER_RATE_BURST: 4000,
      LEDGER_MAX_SOCKETS_PER_USER: 32,
      LEDGER_MAX_SOCKETS_PER_ADDRESS: 256,
      LEDGER_CONNECT_TIMEOUT_MS: 5000,
      maxFrameBytes: 4 * 1_048_576 + 65536,
    });
    expect(loadConfig({ LEDGER_MAX_PAYLOAD_BYTES: '65536' }).maxFrameBytes).toBe(4 * 65536 + 65536);
    expect(loadConfig({ LEDGER_MAX_FRAME_BYTES: '3000000' }).maxFrameBytes).toBe(3_000_000);
  });

  it('refuses a frame limit that would cut a payload of the allowed size', () => {
    expect(() =>
      loadConfig({
        LEDGER_MAX_PAYLOAD_BYTES: '65536',
        LEDGER_MAX_FRAME_BYTES: String(65536 + FRAME_ENVELOPE_BYTES - 1),
      }),
    ).toThrow(/LEDGER_MAX_FRAME_BYTES/);
    expect(() => loadConfig({ LEDGER_MAX_SOCKETS_PER_USER: '0' })).toThrow(/LEDGER_MAX_SOCKETS_PER_USER/);
  });
});
