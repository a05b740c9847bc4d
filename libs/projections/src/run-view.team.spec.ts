import { randomUUID } from 'node:crypto';
import { foldRunView } from './run-view.fold';
import { runToRow, serialiseView, taskToRow, viewFromRows } from './run-view.rows';
import { Clock, recorded, runEvents } from '../test/fixtures';

describe('the run view of a team run', () => {
  const [userId, runId, teamId, taskId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const e = runEvents(runId, userId);
  const clock = new Clock();

  it("carries RunStarted's teamId into the run and every task row, and back from the rows", () => {
    const events = recorded(runId, userId, [
      e.started(clock.next(), { teamId }),
      e.created(taskId, clock.next(), 'Hello'),
      e.completed(taskId, clock.next(), { input: 1, output: 2 }, '0.1'),
    ]);
    const view = foldRunView(events)!;
    const { run, tasks } = serialiseView(view);
    expect(run.teamId).toBe(teamId);
    expect(tasks.map((t) => t.teamId)).toEqual([teamId]);
    expect(runToRow(run).team_id).toBe(teamId);
    expect(taskToRow(tasks[0]).team_id).toBe(teamId);
    // The projector's cache miss reads the view back from its rows: the team survives it.
    const reloaded = viewFromRows(runToRow(run), tasks.map(taskToRow));
    expect(serialiseView(reloaded)).toEqual({ run, tasks });
  });

  it('gives a run started before teams (no teamId) the owner alone: null', () => {
    const { run, tasks } = serialiseView(
      foldRunView(recorded(runId, userId, [e.started(clock.next()), e.created(randomUUID(), clock.next())]))!,
    );
    expect(run.teamId).toBeNull();
    expect(tasks[0].teamId).toBeNull();
  });
});
