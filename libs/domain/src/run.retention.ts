import type { Decision, OperatorRunCommand } from './run.decide.types';
import type { RunState } from './run.state';

type RetentionCommand = Extract<OperatorRunCommand, { type: 'retention.archive' | 'retention.erase' }>;

/**
 * A retention pass on one run, a command of the run decider: the plan came from the read model, which may lag,
 * so the run's own log decides. A run with activity after the plan's `idleSince`, one already erased or archived
 * (for an archive), or one that never started is left alone (`acted: false`); otherwise it is archived
 * (`RunArchived`) or erased (the `RunDeleted` tombstone, as `run.delete` and `runs.erase` write it).
 */
export function decideRetention(command: RetentionCommand, state: RunState): Decision {
  const { runId, idleSince } = command.data;
  const untouched: Decision = { events: [], ack: { acted: false } };
  if (state.status !== 'active') return untouched;
  if (state.lastActivityAt !== null && Date.parse(state.lastActivityAt) > Date.parse(idleSince))
    return untouched;
  if (command.type === 'retention.erase')
    return { events: [{ type: 'RunDeleted', data: { runId } }], ack: { acted: true } };
  if (state.archived) return untouched;
  return { events: [{ type: 'RunArchived', data: { runId } }], ack: { acted: true } };
}
