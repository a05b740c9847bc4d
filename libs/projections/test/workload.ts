import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { EventStore } from '@ledger/event-store';
import { append, Clock, runEvents, type Body } from './fixtures';

/** A randomized workload of runs written concurrently (each run's commands in order), built from literal events. */

export interface TaskPlan {
  readonly kind: 'task' | 'rename' | 'star' | 'unstar' | 'archive' | 'reprice';
  readonly chunks: string[];
  readonly outcome: 'complete' | 'fail' | 'open';
  readonly micros: number | null;
  readonly userMessage: boolean;
  readonly model: string;
}
export interface RunPlan {
  readonly user: number;
  readonly actions: TaskPlan[];
  readonly deleteAtEnd: boolean;
}

export const runPlan: fc.Arbitrary<RunPlan> = fc.record({
  user: fc.integer({ min: 0, max: 1 }),
  actions: fc.array(
    fc.record({
      kind: fc.constantFrom('task', 'task', 'task', 'rename', 'star', 'unstar', 'archive', 'reprice'),
      chunks: fc.array(fc.string({ maxLength: 6 }), { maxLength: 5 }),
      outcome: fc.constantFrom('complete', 'complete', 'fail', 'open'),
      micros: fc.option(fc.integer({ min: 0, max: 9_999_999 }), { freq: 4 }),
      userMessage: fc.boolean(),
      model: fc.constantFrom('gpt-4o', 'claude-sonnet-4', 'o3'),
    }),
    { maxLength: 7 },
  ),
  deleteAtEnd: fc.boolean(),
});

/**
 * A run every property case writes besides its random ones, so the read models are never near empty however the
 * draw falls (half the random runs are erased at their end, and a draw can hold no tasks at all).
 */
export const richPlan: RunPlan = {
  user: 0,
  deleteAtEnd: false,
  actions: (['gpt-4o', 'claude-sonnet-4', 'o3'] as const).map((model, i) => ({
    kind: 'task' as const,
    chunks: ['Hel', 'lo', ` ${i}`],
    outcome: 'complete' as const,
    micros: 1_000 * (i + 1),
    userMessage: true,
    model,
  })),
};

export const USERS = [randomUUID(), randomUUID()];

function amount(micros: number | null): string | null {
  return micros === null ? null : (micros / 1e6).toFixed(6);
}

/** Writes one run's plan; resolves when all its events are stored. Days move so usage spreads over several. */
export async function writeRun(store: EventStore, plan: RunPlan, clock: Clock): Promise<string> {
  const runId = randomUUID();
  const userId = USERS[plan.user];
  const e = runEvents(runId, userId);
  const put = (...bodies: Body[]) => append(store, runId, userId, bodies, clock.next(3_600_000));
  await put(e.started(clock.now()));
  const completed: string[] = [];
  for (const a of plan.actions) {
    if (a.kind === 'rename') await put(e.renamed(`name ${a.chunks.join('')}`));
    else if (a.kind === 'star') await put(e.starred());
    else if (a.kind === 'unstar') await put(e.unstarred());
    else if (a.kind === 'archive') await put(e.archived());
    else if (a.kind === 'reprice') {
      if (completed.length) await put(e.repriced(completed[0], amount(a.micros)));
    } else {
      const taskId = randomUUID();
      await put(
        e.created(taskId, clock.now(), a.userMessage ? `ask ${a.chunks.length}` : undefined, a.model),
      );
      for (let s = 0; s < a.chunks.length; s += 2)
        await put(...a.chunks.slice(s, s + 2).map((text, i) => e.chunk(taskId, s + i, text)));
      if (a.outcome === 'complete') {
        await put(
          e.completed(
            taskId,
            clock.now(),
            { input: a.chunks.length * 7, output: a.chunks.join('').length },
            amount(a.micros),
          ),
        );
        completed.push(taskId);
      } else if (a.outcome === 'fail') await put(e.failed(taskId, clock.now()));
    }
  }
  if (plan.deleteAtEnd)
    await store.eraseStream(`run-${runId}`, {
      id: randomUUID(),
      type: 'RunDeleted',
      data: { runId },
      metadata: { userId, commandId: randomUUID(), recordedAt: clock.next(), schemaVersion: 1 },
    });
  return runId;
}
