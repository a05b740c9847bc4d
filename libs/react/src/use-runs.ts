import type { LedgerClientError, RunView } from '@run-ledger/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLedger } from './context';
import { lastActivity } from './format';

/** The runs list's filter: `sourceType`, `starred`, `archived` are v1 `runs.list` keys; `q`, `model`, `from`, `to` are v1.1's. */
export interface RunsFilter {
  q?: string;
  sourceType?: string;
  starred?: boolean;
  archived?: boolean;
  model?: string;
  /** ISO date or time: runs active at or after it. */
  from?: string;
  /** ISO date or time: runs active at or before it. */
  to?: string;
  /** Page size (1–200). Default 50. */
  limit?: number;
}

export interface RunsState {
  runs: RunView[];
  loading: boolean;
  error: LedgerClientError | null;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  /** True when the server did not take a v1.1 filter key and the loaded pages are filtered here instead. */
  filteredLocally: boolean;
}

const V11_KEYS = ['q', 'model', 'from', 'to'] as const;

/**
 * The models a run used: the `models` a v1.1 server lists with each run (its tasks' distinct models), else those of
 * its messages, else its settings' model.
 */
export function runModels(run: RunView & { models?: string[] }): string[] {
  if (Array.isArray(run.models)) return run.models;
  const models = new Set<string>();
  for (const m of run.messages) if (typeof m.metadata.model === 'string') models.add(m.metadata.model);
  if (models.size === 0 && typeof run.settings.model === 'string') models.add(run.settings.model);
  return [...models];
}

/** Whether a run belongs in the list under `filter` (for live pushes, and for servers without the v1.1 keys). */
export function matchesFilter(run: RunView, filter: RunsFilter): boolean {
  if (run.archived !== (filter.archived ?? false)) return false;
  if (filter.starred !== undefined && run.starred !== filter.starred) return false;
  if (filter.sourceType && run.sourceType !== filter.sourceType) return false;
  if (filter.model && !runModels(run).includes(filter.model)) return false;
  const at = lastActivity(run);
  if (filter.from && at < filter.from) return false;
  if (filter.to && at.slice(0, filter.to.length) > filter.to) return false;
  if (filter.q) {
    const q = filter.q.toLowerCase();
    const inMessages = run.messages.some((m) => m.content.toLowerCase().includes(q));
    if (!run.name.toLowerCase().includes(q) && !inMessages) return false;
  }
  return true;
}

function newestFirst(a: RunView, b: RunView): number {
  const x = lastActivity(a);
  const y = lastActivity(b);
  return x === y ? (a.id < b.id ? 1 : -1) : x < y ? 1 : -1;
}

/**
 * The user's runs, newest activity first, a page at a time (`loadMore` follows the cursor), kept live by the
 * `runs.changed` / `runs.removed` pushes.
 */
export function useRuns(filter: RunsFilter = {}): RunsState {
  const ledger = useLedger();
  const key = JSON.stringify(filter);
  const [state, setState] = useState({
    runs: [] as RunView[],
    loading: true,
    error: null as LedgerClientError | null,
    hasMore: false,
    local: false,
  });
  const filterRef = useRef(filter);
  filterRef.current = filter;
  // The latest load wins: an answer for an older filter is dropped.
  const generation = useRef(0);
  const cursor = useRef<string | null>(null);
  const local = useRef(false);
  const busy = useRef(false);

  const fetchPage = useCallback(
    async (after: string | null, onlyV1: boolean) => {
      const f = filterRef.current;
      const v1 = {
        limit: f.limit ?? 50,
        archived: f.archived ?? false,
        ...(after && { cursor: after }),
        ...(f.sourceType && { sourceType: f.sourceType }),
        ...(f.starred !== undefined && { starred: f.starred }),
      };
      const v11 = Object.fromEntries(V11_KEYS.filter((k) => f[k]).map((k) => [k, f[k]]));
      const hasV11 = Object.keys(v11).length > 0;
      if (hasV11 && !onlyV1) {
        try {
          return { page: await ledger.listRuns({ ...v1, ...v11 } as typeof v1), local: false };
        } catch (e) {
          // A server (or SDK schema) older than v1.1 refuses the new keys: filter its pages here instead.
          if ((e as LedgerClientError).code !== 'VALIDATION') throw e;
        }
      }
      const page = await ledger.listRuns(v1);
      return { page: { ...page, runs: page.runs.filter((r) => matchesFilter(r, f)) }, local: hasV11 };
    },
    [ledger],
  );

  const load = useCallback(
    async (reset: boolean) => {
      if (!reset && (busy.current || cursor.current === null)) return;
      const mine = reset ? ++generation.current : generation.current;
      busy.current = true;
      setState((s) => ({ ...s, loading: true, error: null, ...(reset && { runs: [], hasMore: false }) }));
      try {
        const { page, local: filteredHere } = await fetchPage(
          reset ? null : cursor.current,
          reset ? false : local.current,
        );
        if (mine !== generation.current) return;
        cursor.current = page.nextCursor;
        local.current = filteredHere;
        setState((s) => {
          const seen = new Set(s.runs.map((r) => r.id));
          return {
            runs: [...s.runs, ...page.runs.filter((r) => !seen.has(r.id))],
            loading: false,
            error: null,
            hasMore: page.nextCursor !== null,
            local: filteredHere,
          };
        });
      } catch (e) {
        if (mine === generation.current)
          setState((s) => ({ ...s, loading: false, error: e as LedgerClientError }));
      } finally {
        if (mine === generation.current) busy.current = false;
      }
    },
    [fetchPage],
  );

  useEffect(() => {
    void load(true);
  }, [key, load]);

  useEffect(() => {
    const offChanged = ledger.onPush<{ run: RunView }>('runs.changed', ({ run }) =>
      setState((s) => {
        const rest = s.runs.filter((r) => r.id !== run.id);
        const old = s.runs.find((r) => r.id === run.id);
        if (old && old.version > run.version) return s;
        if (!matchesFilter(run, filterRef.current)) return { ...s, runs: rest };
        return { ...s, runs: [...rest, run].sort(newestFirst) };
      }),
    );
    const offRemoved = ledger.onPush<{ runId: string }>('runs.removed', ({ runId }) =>
      setState((s) => ({ ...s, runs: s.runs.filter((r) => r.id !== runId) })),
    );
    return () => {
      offChanged();
      offRemoved();
    };
  }, [ledger]);

  return {
    runs: state.runs,
    loading: state.loading,
    error: state.error,
    hasMore: state.hasMore,
    loadMore: () => void load(false),
    reload: () => void load(true),
    filteredLocally: state.local,
  };
}
