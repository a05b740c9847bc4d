import { randomUUID } from 'node:crypto';
import {
  digest,
  handle,
  type Handled,
  type PricingFunctions,
  type OperatorRunCommand,
  type RunRequest,
  type RunState,
} from '@ledger/domain';
import { retryOnConflict, type EventStore } from '@ledger/event-store';
import { loadRunState, writeHandled } from './run-stream';

export interface RunCommandOptions {
  /** Decide only: what would be written, nothing is. */
  readonly dryRun?: boolean;
}

/**
 * The write path of a command run outside the server (the CLI's `runs erase`, `prices reprice`), the same as the
 * server's but for one command at a time: read the run, fold it, `handle` the request (the one decider), write
 * what it decided at the revision read (a tombstone by erasing the stream), and under the one retry policy start
 * again when another writer appended in between. The request is built from the state, since an operator acts in
 * the name of the run's owner, whom only the log tells; null (no owner: the run does not exist) decides nothing.
 */
export function handleRunCommand(
  store: EventStore,
  runId: string,
  pricing: PricingFunctions,
  requestFor: (state: RunState) => RunRequest | null,
  options: RunCommandOptions = {},
): Promise<Handled> {
  return retryOnConflict(async () => {
    const state = await loadRunState(store, runId);
    const request = requestFor(state);
    if (!request) return { events: [], ack: null };
    const handled = handle(state, request, pricing);
    if (!options.dryRun) await writeHandled(store, runId, state.version, handled.events);
    return handled;
  });
}

/**
 * An operator command on one run as a request: in the name of `userId` (the run's owner), with a commandId of its
 * own (so its events' ids are its own) and the payload's digest, as the gateway makes them for a client's command.
 */
export function operatorRequest<C extends OperatorRunCommand>(
  name: C['type'],
  payload: C['data'],
  userId: string,
  now: string,
): RunRequest {
  return {
    name,
    runId: payload.runId,
    payload,
    userId,
    commandId: randomUUID(),
    payloadHash: digest({ name, payload }),
    now,
  };
}
