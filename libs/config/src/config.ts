import { z } from 'zod';
import { parseDurationSeconds } from './duration';
import { budgetRetentionSettings, checkBudgetRetention } from './budget-retention.config';

/** Configuration of docs/protocol.md §8 (and a few operational knobs), parsed once at boot; a bad value fails fast. */
export const DEV_JWT_SECRET = 'run-ledger-development-secret-do-not-use-in-production';

/** HS256 keys shorter than the hash output are brute-forceable offline from one captured token. */
export const MIN_JWT_SECRET_BYTES = 32;

const duration = (name: string) =>
  z.string().transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === null || seconds < 1) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a duration such as 3600, 12h or 30d` });
      return z.NEVER;
    }
    return seconds;
  });

/**
 * What a socket.io frame carries besides the payload: packet type, namespace, ack id, event name, brackets.
 * Generous on purpose: a frame longer than payload limit + envelope certainly holds too large a payload.
 */
export const FRAME_ENVELOPE_BYTES = 1024;

/**
 * The longest command frame that is parsed, and so checked in the protocol's order (VALIDATION before
 * PAYLOAD_TOO_LARGE): twice the payload limit, so a payload somewhat over the limit still gets its VALIDATION
 * first; a longer frame is answered PAYLOAD_TOO_LARGE without being parsed (docs/security.md "Transport").
 */
export const parsedFrameChars = (maxPayloadBytes: number): number =>
  2 * maxPayloadBytes + FRAME_ENVELOPE_BYTES;

const configSchema = z.object({
  NODE_ENV: z.string().optional(),
  DATABASE_URL: z.string().url().optional(),
  EVENT_STORE: z.enum(['postgres', 'eventstoredb']).default('postgres'),
  EVENTSTORE_URL: z.string().optional(),
  EVENTSTORE_MAX_APPEND_BYTES: z.coerce.number().int().min(65_536).default(1_048_576),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LEDGER_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LEDGER_DATA_DIR: z.string().default('./.data'),
  // Transport limits (docs/security.md "Transport"): what one client may cost the others.
  LEDGER_MAX_FRAME_BYTES: z.coerce
    .number()
    .int()
    .min(2048)
    .optional()
    .describe('largest socket.io frame; default 4 × LEDGER_MAX_PAYLOAD_BYTES + 64 KiB'),
  LEDGER_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  LEDGER_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .default(2000)
    .describe('command points per second per user, shared by all of its sockets'),
  LEDGER_RATE_BURST: z.coerce.number().int().min(1).default(4000),
  LEDGER_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).default(32),
  LEDGER_MAX_SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(256),
  LEDGER_PRICES_FILE: z.string().min(1).optional(),
  /** OTLP/HTTP base URL (`http://localhost:4318`, Langfuse's `…/api/public/otel`): `ledger export --format otel` also POSTs there. */
  LEDGER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Extra headers for the OTLP endpoint, `key=value` pairs separated by commas (OTEL_EXPORTER_OTLP_HEADERS format). */
  LEDGER_OTLP_HEADERS: z.string().optional(),
  LEDGER_FLUSH_MS: z.coerce.number().min(0).max(1000).default(2),
  LEDGER_APPENDS_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(1),
  /** The run writer's cache of idle runs' states: at most this many runs, and this many MiB (approximate). */
  LEDGER_RUN_CACHE_RUNS: z.coerce.number().int().min(1).default(2000),
  LEDGER_RUN_CACHE_MB: z.coerce.number().int().min(1).default(256),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_PROJECTOR: z.enum(['on', 'off']).default('on'),
  /** The projector in a worker thread of its own (`on`) or on the server's event loop (`off`): docs/architecture.md. */
  LEDGER_PROJECTOR_THREAD: z.enum(['on', 'off']).default('on'),
  /** The shortest time between the starts of two projector batches, in ms: docs/architecture.md. */
  LEDGER_PROJECTOR_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(50),
  /** Origin of share links (`https://ledger.example.com`); default: the address the sharer's socket used. */
  LEDGER_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'LEDGER_PUBLIC_URL must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** Requests to `/share/…` and `/api/share/…` per address and minute (docs/security.md, Sharing). */
  LEDGER_SHARE_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(120),
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

  // --- Tokens and deployment (docs/security.md: tokens, deployment) ---
  LEDGER_JWT_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s, 'utf8') >= MIN_JWT_SECRET_BYTES, {
      message: `LEDGER_JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`,
    })
    .optional(),
  LEDGER_JWT_AUDIENCE: z.string().min(1).optional(),
  LEDGER_JWT_ISSUER: z.string().min(1).optional(),
  /** Longest accepted token lifetime (`exp - iat`), in seconds; `ledger token --expires` refuses more. */
  LEDGER_TOKEN_MAX_TTL: duration('LEDGER_TOKEN_MAX_TTL').default(30 * 86_400),
  /** Loopback unless told otherwise: a container sets HOST=0.0.0.0 (the Dockerfile does). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Prometheus /metrics on its own listener, never on the public port; 0 picks a free port. */
  LEDGER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  LEDGER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** How long a starting instance waits for another one's migrations before giving up. */
  LEDGER_MIGRATION_LOCK_TIMEOUT: duration('LEDGER_MIGRATION_LOCK_TIMEOUT').default(120),
  ...budgetRetentionSettings,
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

export type LedgerConfig = z.infer<typeof configSchema> & {
  jwtSecret: string;
  jwtSecretIsDefault: boolean;
  /** The transport's own frame limit, well above the payload limit so an oversized payload still gets an ack. */
  maxFrameBytes: number;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const budgetProblems = checkBudgetRetention(c);
  if (budgetProblems.length) throw new Error(`invalid configuration:\n  ${budgetProblems.join('\n  ')}`);
  if (c.EVENT_STORE === 'eventstoredb' && !c.EVENTSTORE_URL)
    throw new Error('invalid configuration:\n  EVENTSTORE_URL: required when EVENT_STORE=eventstoredb');
  if (c.EVENT_STORE === 'eventstoredb') c.LEDGER_MAX_PAYLOAD_BYTES = payloadLimitForEventStoreDb(c, env);
  if (isProduction(c) && (!c.LEDGER_JWT_SECRET || c.LEDGER_JWT_SECRET === DEV_JWT_SECRET))
    throw new Error(
      'invalid configuration:\n  LEDGER_JWT_SECRET: required with NODE_ENV=production (at least ' +
        `${MIN_JWT_SECRET_BYTES} bytes, not the development secret; e.g. openssl rand -base64 48)`,
    );
  const maxFrameBytes = c.LEDGER_MAX_FRAME_BYTES ?? 4 * c.LEDGER_MAX_PAYLOAD_BYTES + 65536;
  if (maxFrameBytes < c.LEDGER_MAX_PAYLOAD_BYTES + FRAME_ENVELOPE_BYTES)
    throw new Error(
      `invalid configuration:\n  LEDGER_MAX_FRAME_BYTES: must be at least LEDGER_MAX_PAYLOAD_BYTES + ${FRAME_ENVELOPE_BYTES}`,
    );
  return {
    ...c,
    jwtSecret: c.LEDGER_JWT_SECRET ?? DEV_JWT_SECRET,
    jwtSecretIsDefault: !c.LEDGER_JWT_SECRET,
    maxFrameBytes,
  };
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

export function isProduction(config: { NODE_ENV?: string }): boolean {
  return config.NODE_ENV === 'production';
}
