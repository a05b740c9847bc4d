import type { PushEvents } from '@ledger/contract';

/**
 * The outbound port for pushes to every socket of one user. The gateway provides it (app.module); the read side
 * depends on this port only, since the gateway depends on the read side through the command dispatcher.
 */
export const USER_PUSHER = Symbol('USER_PUSHER');

export interface UserPusher {
  pushToUser<E extends keyof PushEvents>(userId: string, event: E, payload: PushEvents[E]): void;
}
