import { fromRunStreamId, type Cost } from '@ledger/domain';
import { scanLog } from '@ledger/event-store';
import type { LedgerRuntime } from '@ledger/runtime';

/** `ledger prices missing`: the ended tasks with no price, from the log (so a model no entry names is listed). */

export interface MissingPrice {
  provider: string;
  model: string;
  tasks: number;
  lastEndedAt: string;
}

/** Ended tasks whose current cost (after any TaskRepriced) has no amount, counted by provider and model. */
export async function missingPrices(rt: LedgerRuntime): Promise<MissingPrice[]> {
  const tasks = new Map<
    string,
    { provider: string; model: string; endedAt: string | null; cost: Cost | null }
  >();
  const key = (runId: string, taskId: string) => `${runId}/${taskId}`;
  await scanLog(rt.store, (e) => {
    const runId = fromRunStreamId(e.streamId);
    if (!runId) return;
    switch (e.type) {
      case 'TaskCreated': {
        const d = e.data;
        tasks.set(key(runId, d.taskId), { provider: d.provider, model: d.model, endedAt: null, cost: null });
        break;
      }
      case 'TaskCompleted':
      case 'TaskFailed': {
        const d = e.data;
        const t = tasks.get(key(runId, d.taskId));
        if (t) {
          t.endedAt = 'completedAt' in d ? d.completedAt : d.failedAt;
          t.cost = d.cost ?? null;
        }
        break;
      }
      case 'TaskRepriced': {
        const d = e.data;
        const t = tasks.get(key(runId, d.taskId));
        if (t) t.cost = d.cost;
        break;
      }
      case 'RunDeleted':
        for (const k of [...tasks.keys()]) if (k.startsWith(`${runId}/`)) tasks.delete(k);
        break;
    }
  });
  const rows = new Map<string, MissingPrice>();
  for (const t of tasks.values()) {
    if (t.endedAt === null || t.cost?.amount != null) continue;
    const k = `${t.provider}\u0000${t.model}`;
    const row = rows.get(k) ?? { provider: t.provider, model: t.model, tasks: 0, lastEndedAt: t.endedAt };
    row.tasks += 1;
    if (t.endedAt > row.lastEndedAt) row.lastEndedAt = t.endedAt;
    rows.set(k, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.tasks - a.tasks || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model),
  );
}
