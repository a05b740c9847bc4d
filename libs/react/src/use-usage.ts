import type { LedgerClientError, UsageSummary } from '@run-ledger/client';
import { useEffect, useState } from 'react';
import { useLedger } from './context';

export interface UsageQuery {
  /** ISO date (inclusive). */
  from?: string;
  /** ISO date (inclusive). */
  to?: string;
  groupBy: 'day' | 'model';
}

export interface UsageState {
  rows: UsageSummary['rows'];
  loading: boolean;
  error: LedgerClientError | null;
}

/** The caller's usage (`usage.summary`) per day or per model over a date range. */
export function useUsage(query: UsageQuery): UsageState {
  const ledger = useLedger();
  const [state, setState] = useState<UsageState>({ rows: [], loading: true, error: null });
  const { from, to, groupBy } = query;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    ledger.usageSummary({ groupBy, ...(from && { from }), ...(to && { to }) }).then(
      ({ rows }) => live && setState({ rows, loading: false, error: null }),
      (error: LedgerClientError) => live && setState({ rows: [], loading: false, error }),
    );
    return () => {
      live = false;
    };
  }, [ledger, from, to, groupBy]);
  return state;
}
