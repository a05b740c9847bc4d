import { z } from 'zod';
import { budgetRetentionSettings, checkBudgetRetention } from './budget-retention.config';

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
  LEDGER_FLUSH_MS: z.coerce.number().min(0).max(1000).default(2),
  LEDGER_APPENDS_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(1),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_PROJECTOR: z.enum(['on', 'off']).default('on'),
  /** The built dashboard (Vite output) served at `/`; default: the installation's `dist/web`. */
  LEDGER_WEB_DIR: z.string().min(1).optional(),
  ...budgetRetentionSettings,
});

export type LedgerConfig = z.infer<typeof configSchema> & { jwtSecret: string; jwtSecretIsDefault: boolean };

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
