import { z } from 'zod';

/** Configuration of PROTOCOL.md §4 (and a few operational knobs), parsed once at boot; a bad value fails fast. */
export const DEV_JWT_SECRET = 'run-ledger-development-secret-do-not-use-in-production';

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
  DATABASE_URL: z.string().url().optional(),
  EVENT_STORE: z.enum(['postgres', 'eventstoredb']).default('postgres'),
  EVENTSTORE_URL: z.string().optional(),
  LEDGER_JWT_SECRET: z.string().min(16, 'LEDGER_JWT_SECRET must be at least 16 characters').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
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
  LEDGER_FLUSH_MS: z.coerce.number().min(0).max(1000).default(2),
  LEDGER_APPENDS_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(1),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_PROJECTOR: z.enum(['on', 'off']).default('on'),
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
  if (c.EVENT_STORE === 'eventstoredb' && !c.EVENTSTORE_URL)
    throw new Error('invalid configuration:\n  EVENTSTORE_URL: required when EVENT_STORE=eventstoredb');
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
