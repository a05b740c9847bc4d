import { z } from 'zod';

/** Configuration of PROTOCOL.md §4 (and a few operational knobs), parsed once at boot; a bad value fails fast. */
export const DEV_JWT_SECRET = 'run-ledger-development-secret-do-not-use-in-production';

const configSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  EVENT_STORE: z.enum(['postgres', 'eventstoredb']).default('postgres'),
  EVENTSTORE_URL: z.string().optional(),
  EVENTSTORE_MAX_APPEND_BYTES: z.coerce.number().int().min(65_536).default(1_048_576),
  LEDGER_JWT_SECRET: z.string().min(16, 'LEDGER_JWT_SECRET must be at least 16 characters').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LEDGER_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LEDGER_DATA_DIR: z.string().default('./.data'),
  LEDGER_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .default(2000)
    .describe('commands per second per connection'),
  LEDGER_RATE_BURST: z.coerce.number().int().min(1).default(4000),
  LEDGER_PRICES_FILE: z.string().min(1).optional(),
  /** OTLP/HTTP base URL (`http://localhost:4318`, Langfuse's `…/api/public/otel`): `ledger export --format otel` also POSTs there. */
  LEDGER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Extra headers for the OTLP endpoint, `key=value` pairs separated by commas (OTEL_EXPORTER_OTLP_HEADERS format). */
  LEDGER_OTLP_HEADERS: z.string().optional(),
  LEDGER_FLUSH_MS: z.coerce.number().min(0).max(1000).default(2),
  LEDGER_APPENDS_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(1),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_PROJECTOR: z.enum(['on', 'off']).default('on'),
  /** The built dashboard (Vite output) served at `/`; default: the installation's `dist/web`. */
  LEDGER_WEB_DIR: z.string().min(1).optional(),
  // Replay resources (docs/security.md, replay).
  LEDGER_REPLAY_PAGE_EVENTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe('events read from the store per page; one page is held per replay'),
  LEDGER_REPLAY_MAX_PER_USER: z.coerce
    .number()
    .int()
    .min(1)
    .default(2)
    .describe('replays one user may run at once, over all sockets; more is RATE_LIMITED'),
  LEDGER_REPLAY_MAX_GAP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('a gap in the original timing longer than this, after division by speed, is shortened to it'),
  LEDGER_REPLAY_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(524_288)
    .describe("a replay pauses while the socket's unsent output is above this, until it drains"),
  // Several instances (docs/deployment.md).
  REDIS_URL: z.string().url().optional().describe('Redis for pushes across instances; unset: one instance'),
  LEDGER_INSTANCE_ID: z
    .string()
    .min(1)
    .max(49)
    .optional()
    .describe("this instance's name in projections.status; default host:pid"),
  LEDGER_LEADER_RETRY_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1000)
    .describe('how often a standby tries to lead a projection, and the leader checks its lock session'),
  LEDGER_LEADER_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(120_000)
    .default(5000)
    .describe("longest time a vanished leader's session keeps the projection lock"),
});

export type LedgerConfig = z.infer<typeof configSchema> & { jwtSecret: string; jwtSecretIsDefault: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.EVENT_STORE === 'eventstoredb' && !c.EVENTSTORE_URL)
    throw new Error('invalid configuration:\n  EVENTSTORE_URL: required when EVENT_STORE=eventstoredb');
  if (c.EVENT_STORE === 'eventstoredb') c.LEDGER_MAX_PAYLOAD_BYTES = payloadLimitForEventStoreDb(c, env);
  return { ...c, jwtSecret: c.LEDGER_JWT_SECRET ?? DEV_JWT_SECRET, jwtSecretIsDefault: !c.LEDGER_JWT_SECRET };
}

/** Room kept beside a payload for its event's other fields and metadata (bytes). */
export const EVENT_ENVELOPE_BYTES = 65_536;

/**
 * EventStoreDB refuses any single event over its MaxAppendSize, so an accepted payload must fit in one event
 * with room to spare: unset, the payload limit drops to the append limit less the envelope; set above it,
 * the configuration is refused.
 */
function payloadLimitForEventStoreDb(
  c: { LEDGER_MAX_PAYLOAD_BYTES: number; EVENTSTORE_MAX_APPEND_BYTES: number },
  env: NodeJS.ProcessEnv,
): number {
  const fits = c.EVENTSTORE_MAX_APPEND_BYTES - EVENT_ENVELOPE_BYTES;
  if (env.LEDGER_MAX_PAYLOAD_BYTES === undefined) return Math.min(c.LEDGER_MAX_PAYLOAD_BYTES, fits);
  if (c.LEDGER_MAX_PAYLOAD_BYTES > fits)
    throw new Error(
      `invalid configuration:\n  LEDGER_MAX_PAYLOAD_BYTES: ${c.LEDGER_MAX_PAYLOAD_BYTES} does not fit one EventStoreDB ` +
        `append (EVENTSTORE_MAX_APPEND_BYTES ${c.EVENTSTORE_MAX_APPEND_BYTES} less ${EVENT_ENVELOPE_BYTES} for the ` +
        `event envelope): lower it, or raise the server's MaxAppendSize and EVENTSTORE_MAX_APPEND_BYTES together`,
    );
  return c.LEDGER_MAX_PAYLOAD_BYTES;
}
