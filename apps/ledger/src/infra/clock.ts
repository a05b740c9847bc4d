import type { Clock } from '@ledger/async';

/**
 * The server has one clock (`@ledger/async`'s `Clock`, injected under `CLOCK`), so a test moves budgets' periods,
 * retention's ages and push throttling together. Domain commands take their time as a `Date`: this is that view.
 */
export { CLOCK } from './tokens';
export type { Clock } from '@ledger/async';

export const dateOf = (clock: Clock): Date => new Date(clock.now());
