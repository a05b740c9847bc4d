import { useId, useState, type ReactNode } from 'react';
import { DateField } from './date-field';
import { Cost } from './cost';
import { formatTokens } from './format';
import { useLedgerStyles } from './styles';
import { useUsage, type UsageQuery } from './use-usage';
import type { UsageSummary as Usage } from '@run-ledger/client';

export interface UsageSummaryProps {
  /** Initial range and grouping; the component's controls change them. */
  initial?: Partial<UsageQuery>;
  /** Draws the rows as a chart above the table (e.g. a lazily loaded chart library); the table is always shown. */
  renderChart?(rows: Usage['rows'], groupBy: UsageQuery['groupBy']): ReactNode;
}

/** Cost and tokens per day or per model for a date range, as a table; unpriced tasks are counted, never hidden. */
/** The table's columns after the first (day or model): a header and how a row shows it. */
const USAGE_COLUMNS: ReadonlyArray<readonly [string, (row: Usage['rows'][number]) => ReactNode]> = [
  ['Tasks', (r) => formatTokens(r.tasks)],
  ['Input', (r) => formatTokens(r.inputTokens)],
  ['Cached', (r) => formatTokens(r.cachedInputTokens)],
  ['Output', (r) => formatTokens(r.outputTokens)],
  ['Reasoning', (r) => formatTokens(r.reasoningTokens)],
  // A row whose every task lacks a price has no cost to show: "$0.00" would read as free.
  ['Cost', (r) => ((r.unpricedTasks ?? 0) >= r.tasks ? 'unpriced' : <Cost amount={r.cost} />)],
  ['Unpriced', (r) => r.unpricedTasks ?? 0],
];

export function UsageSummary({ initial, renderChart }: UsageSummaryProps) {
  useLedgerStyles();
  const id = useId();
  const [query, setQuery] = useState<UsageQuery>({ groupBy: 'day', ...initial });
  const { rows, loading, error } = useUsage(query);
  const unpriced = rows.reduce((n, r) => n + (r.unpricedTasks ?? 0), 0);
  return (
    <div className="rl-root">
      <div className="rl-toolbar">
        <DateField label="From" value={query.from} onChange={(from) => setQuery({ ...query, from })} />
        <DateField label="To" value={query.to} onChange={(to) => setQuery({ ...query, to })} />
        <label htmlFor={`${id}-group`}>Group by</label>
        <select
          id={`${id}-group`}
          className="rl-select"
          value={query.groupBy}
          onChange={(e) => setQuery({ ...query, groupBy: e.target.value as UsageQuery['groupBy'] })}
        >
          <option value="day">day</option>
          <option value="model">model</option>
        </select>
      </div>
      {error && (
        <p className="rl-error" role="alert">
          Could not load usage: {error.message}
        </p>
      )}
      {unpriced > 0 && (
        <p role="note">
          {unpriced} task(s) have no price: their tokens are counted, their cost is not in the totals.
        </p>
      )}
      {!loading && rows.length > 0 && renderChart?.(rows, query.groupBy)}
      {/* Nine columns do not fit a phone: the table scrolls in its own box, not the page (keyboard too). */}
      <div className="rl-scroll" role="region" aria-label={`Usage per ${query.groupBy}`} tabIndex={0}>
        <table className="rl-table" aria-busy={loading}>
          <caption className="rl-sr">Usage per {query.groupBy}</caption>
          <thead>
            <tr>
              <th scope="col">{query.groupBy === 'day' ? 'Day' : 'Model'}</th>
              {USAGE_COLUMNS.map(([label]) => (
                <th key={label} scope="col" className="rl-num">
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.day ?? r.model}>
                <th scope="row">{r.day ?? r.model}</th>
                {USAGE_COLUMNS.map(([label, cell]) => (
                  <td key={label} className="rl-num">
                    {cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!loading && rows.length === 0 && <p className="rl-muted">No usage in this range.</p>}
    </div>
  );
}
