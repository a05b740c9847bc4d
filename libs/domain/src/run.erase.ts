import type { Decision } from './run.decide.types';
import type { RunState } from './run.state';

/**
 * `ledger runs erase` on one run (the right to be forgotten): a run that exists gets its `RunDeleted` tombstone,
 * which the store writes by erasing every other event of the stream. A run already erased (or never started)
 * has nothing left to erase: no event, so running the erase again changes nothing. The owner check is `decide`'s,
 * as for every command: the operator erases a user's runs in that user's name.
 */
export function eraseRun(data: { readonly runId: string }, state: RunState): Decision {
  if (state.status !== 'active') return { events: [], ack: { erased: false } };
  return { events: [{ type: 'RunDeleted', data: { runId: data.runId } }], ack: { erased: true } };
}
