import type { AckData, LedgerClientError, PushEvents } from '@run-ledger/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLedger } from './context';

export type Budget = NonNullable<AckData['budget.get']['budget']>;
export type BudgetAlert = PushEvents['budget.alert'];

export interface BudgetOptions {
  /** Another user's budget (admin only); the caller's own when omitted. */
  userId?: string;
  /**
   * The least time between two reads caused by `runs.changed` pushes (ms). Default 3000: a run streaming tasks pushes
   * often, and a budget read per push would cost the server a query each time.
   */
  minRefreshMs?: number;
}

export interface BudgetState {
  /** Null when the user has no budget (or before the first answer). */
  budget: Budget | null;
  loading: boolean;
  error: LedgerClientError | null;
  /** The `budget.alert` pushes received since this component mounted, oldest first. */
  alerts: BudgetAlert[];
  refresh(): void;
}

/**
 * A user's budget (`budget.get`), read again when a `budget.alert` arrives and, at most every `minRefreshMs`, when a
 * run changes (a task that ended may have spent).
 */
export function useBudget({ userId, minRefreshMs = 3000 }: BudgetOptions = {}): BudgetState {
  const ledger = useLedger();
  const [state, setState] = useState<Omit<BudgetState, 'alerts' | 'refresh'>>({
    budget: null,
    loading: true,
    error: null,
  });
  const [alerts, setAlerts] = useState<BudgetAlert[]>([]);
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    ledger.command<AckData['budget.get']>('budget.get', userId ? { userId } : {}).then(
      ({ budget }) => live && setState({ budget, loading: false, error: null }),
      (error: LedgerClientError) => live && setState({ budget: null, loading: false, error }),
    );
    return () => {
      live = false;
    };
  }, [ledger, userId, version]);

  useEffect(
    () =>
      ledger.onPush<BudgetAlert>('budget.alert', (alert) => {
        if (userId && alert.userId !== userId) return;
        setAlerts((a) => [...a, alert]);
        refresh();
      }),
    [ledger, userId, refresh],
  );

  // Throttled, trailing: the last change in a burst is always read, and no more than once per interval.
  const last = useRef(0);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = ledger.onPush('runs.changed', () => {
      if (timer) return;
      const wait = Math.max(0, last.current + minRefreshMs - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last.current = Date.now();
        refresh();
      }, wait);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [ledger, minRefreshMs, refresh]);

  return { ...state, alerts, refresh };
}
