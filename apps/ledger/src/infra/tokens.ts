/** Injection tokens for values built outside Nest (the runtime). */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const PG_POOL = Symbol('PG_POOL');
/** The clock of the read side's timers (push throttling): the system clock, a ManualClock in tests. */
export const CLOCK = Symbol('CLOCK');
