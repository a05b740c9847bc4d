/** The server's clock, injected so tests control time (a budget's period, retention's ages). */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
