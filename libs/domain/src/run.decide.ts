import { LedgerError, ledgerErrors, type CommandPayload } from '@ledger/contract';
import type { DecideContext, Decision, RunCommand } from './run.decide.types';
import { autoRunName, type RunState } from './run.state';
import { shareRun, unshareRun } from './run.share';
import { completeTask, createTask, failTask } from './run.decide.tasks';
import { decideChunk, decideChunks } from './run.decide.chunks';
import { repriceRun } from './run.reprice';
import { eraseRun } from './run.erase';
import { decideRetention } from './run.retention';

export type * from './run.decide.types';
export { normaliseUsage } from './run.decide.tasks';

const notFound = ledgerErrors.runNotFound;

/**
 * The run decider: a command against the run's state gives the new events and the ack, or throws a
 * `LedgerError`. Pure: time, identity and prices come in on `ctx`. Callers go through `handle`
 * (run.decide.handle), which builds `ctx` and the events' envelope.
 */
export function decide(command: RunCommand, state: RunState, ctx: DecideContext): Decision {
  // Another user's run (live or erased) is NOT_FOUND for every command before anything else is looked at,
  // so neither a CONFLICT nor a remembered ack can tell that it exists.
  if (state.userId !== null && state.userId !== ctx.userId) throw notFound();
  const seen = state.commands.get(ctx.commandId);
  if (seen) {
    if (seen.command === command.type && seen.payloadHash === ctx.payloadHash)
      return { events: [], ack: seen.ack };
    throw ledgerErrors.commandIdReused(ctx.commandId);
  }
  if (command.type === 'run.start') return startRun(command.data, state, ctx);
  // Operator commands leave a run that is not active alone (nothing to erase or price) rather than refuse it.
  if (command.type === 'runs.erase') return eraseRun(command.data, state);
  if (command.type === 'prices.reprice') return repriceRun(command.data, state, ctx);
  if (command.type === 'retention.archive' || command.type === 'retention.erase')
    return decideRetention(command, state);

  if (state.status !== 'active' || state.userId !== ctx.userId) throw notFound();
  const runId = command.data.runId;
  switch (command.type) {
    case 'task.create':
      return createTask(command.data, state, ctx);
    case 'task.chunk':
      return decideChunk(command.data, state);
    case 'task.chunks':
      return decideChunks(command.data, state);
    case 'task.complete':
      return completeTask(command.data, state, ctx);
    case 'task.fail':
      return failTask(command.data, state, ctx);
    case 'run.rename':
      return { events: [{ type: 'RunRenamed', data: { runId, name: command.data.name } }], ack: {} };
    case 'run.star':
      if (command.data.starred === state.starred) return { events: [], ack: {} };
      return {
        events: [{ type: command.data.starred ? 'RunStarred' : 'RunUnstarred', data: { runId } }],
        ack: {},
      };
    case 'run.archive':
      return { events: state.archived ? [] : [{ type: 'RunArchived', data: { runId } }], ack: {} };
    case 'run.delete':
      return { events: [{ type: 'RunDeleted', data: { runId } }], ack: {} };
    case 'run.share':
      return shareRun(command.data, state, ctx.now);
    case 'run.unshare':
      return unshareRun(command.data, state);
    default: {
      const unknown: never = command;
      throw new LedgerError('VALIDATION', `unknown command ${(unknown as RunCommand).type}`);
    }
  }
}

function startRun(
  data: CommandPayload<'run.start'> & { runId: string },
  state: RunState,
  ctx: DecideContext,
): Decision {
  if (state.status !== 'new') throw new LedgerError('CONFLICT', 'runId is already used');
  return {
    events: [
      {
        type: 'RunStarted',
        data: {
          runId: data.runId,
          userId: ctx.userId,
          sourceType: data.sourceType,
          ...(data.sourceId !== undefined && { sourceId: data.sourceId }),
          ...(data.teamId !== undefined && { teamId: data.teamId }),
          name: data.name ?? autoRunName(ctx.now),
          settings: data.settings,
          variableValues: data.variableValues ?? {},
          brokerValues: data.brokerValues ?? {},
          startedAt: ctx.now,
        },
      },
    ],
    ack: { runId: data.runId },
  };
}
