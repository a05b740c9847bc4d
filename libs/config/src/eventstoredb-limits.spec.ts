import { EVENT_ENVELOPE_BYTES, loadConfig } from './config';

/** The payload limit against EventStoreDB's append limit (issue 20: one accepted payload must fit one append). */
describe('configuration: payload limit on EventStoreDB', () => {
  const esdb = { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://localhost:2113?tls=false' };

  it('lowers the default payload limit under the append limit, leaving the PostgreSQL default alone', () => {
    expect(loadConfig({}).LEDGER_MAX_PAYLOAD_BYTES).toBe(1_048_576);
    const c = loadConfig(esdb);
    expect(c.EVENTSTORE_MAX_APPEND_BYTES).toBe(1_048_576);
    expect(c.LEDGER_MAX_PAYLOAD_BYTES).toBe(1_048_576 - EVENT_ENVELOPE_BYTES);
    expect(loadConfig({ ...esdb, EVENTSTORE_MAX_APPEND_BYTES: '4194304' }).LEDGER_MAX_PAYLOAD_BYTES).toBe(
      1_048_576,
    );
  });

  it('refuses a payload limit set above what one append takes, naming both variables', () => {
    expect(() => loadConfig({ ...esdb, LEDGER_MAX_PAYLOAD_BYTES: '1048576' })).toThrow(
      /LEDGER_MAX_PAYLOAD_BYTES: 1048576 does not fit one EventStoreDB append \(EVENTSTORE_MAX_APPEND_BYTES 1048576/,
    );
    expect(loadConfig({ ...esdb, LEDGER_MAX_PAYLOAD_BYTES: '500000' }).LEDGER_MAX_PAYLOAD_BYTES).toBe(
      500_000,
    );
  });
});
