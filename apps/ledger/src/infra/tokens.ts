import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { LedgerConfig } from '@ledger/config';
import type { EventStore } from '@ledger/event-store';
import type { Clock } from '@ledger/async';
/** Injection tokens for values built outside Nest (the runtime). */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const PG_POOL = Symbol('PG_POOL');
/** The clock of the read side's timers (push throttling): the system clock, a ManualClock in tests. */
export const CLOCK = Symbol('CLOCK');

/** The values above as one injection, for services that use several of them (each names what it uses). */
export const INFRA = Symbol('INFRA');
export interface LedgerInfra {
  readonly config: LedgerConfig;
  readonly logger: Logger;
  readonly store: EventStore;
  readonly pool: Pool;
  readonly clock: Clock;
}
