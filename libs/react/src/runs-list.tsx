import type { RunView } from '@run-ledger/client';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { useLedger } from './context';
import { Cost } from './cost';
import { formatTime, formatTokens, lastActivity } from './format';
import { RunsFilters } from './runs-filters';
import { useLedgerStyles } from './styles';
import { runModels, useRuns, type RunsFilter } from './use-runs';

export interface RunsListProps {
  /** The filter to start from; the list's own controls change it (unless `showFilters` is false). */
  filter?: RunsFilter;
  onFilterChange?(filter: RunsFilter): void;
  /** Called when a run's name is activated (after the link's own navigation, unless it calls preventDefault). */
  onSelect?(run: RunView, event: MouseEvent): void;
  /** Shows a Resume button on each row. */
  onResume?(run: RunView): void;
  /** The href of a run's name link. Default `#/runs/<id>`. */
  runHref?(run: RunView): string;
  showFilters?: boolean;
  /** The list viewport's height (it scrolls, rendering only the visible rows). Default 70vh. */
  height?: number | string;
}

const ROW_HEIGHT = 44;
/** The header cells: a label and its class (`rl-wide` hides on narrow screens, `rl-num` aligns right). */
const RUN_COLUMNS: ReadonlyArray<readonly [string, string | undefined]> = [
  ['Name', undefined],
  ['Source', 'rl-wide'],
  ['Models', 'rl-wide'],
  ['Tasks', 'rl-wide rl-num'],
  ['Tokens', 'rl-wide rl-num'],
  ['Cost', 'rl-num'],
  ['Last activity', 'rl-wide'],
  ['Star', 'rl-wide'],
];

/** The user's runs, newest activity first, virtualised, loading the next page as the end scrolls into view. */
export function RunsList(props: RunsListProps) {
  useLedgerStyles();
  const ledger = useLedger();
  const [filter, setFilter] = useState<RunsFilter>(props.filter ?? {});
  const given = JSON.stringify(props.filter ?? {});
  useEffect(() => setFilter(JSON.parse(given) as RunsFilter), [given]);
  const { runs, loading, error, hasMore, loadMore, filteredLocally } = useRuns(filter);
  const [failure, setFailure] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: runs.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 800, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (hasMore && !loading && lastIndex >= runs.length - 5) loadMore();
  }, [hasMore, loading, lastIndex, runs.length, loadMore]);

  const change = (next: RunsFilter) => {
    setFilter(next);
    props.onFilterChange?.(next);
  };
  const href = props.runHref ?? ((r: RunView) => `#/runs/${r.id}`);

  return (
    <div className="rl-root">
      {props.showFilters !== false && <RunsFilters filter={filter} onChange={change} />}
      {filteredLocally && (
        <p className="rl-muted">
          This server does not filter by search, model or date yet: the runs loaded are filtered here.
        </p>
      )}
      {failure && (
        <p className="rl-error" role="alert">
          {failure}
        </p>
      )}
      {error && (
        <p className="rl-error" role="alert">
          Could not load the runs: {error.message}
        </p>
      )}
      <div role="table" aria-label="Runs" aria-rowcount={runs.length + 1}>
        <div role="rowgroup">
          <div role="row" className="rl-row rl-row-head">
            {RUN_COLUMNS.map(([label, className]) => (
              <span key={label} role="columnheader" className={className}>
                {label}
              </span>
            ))}
          </div>
        </div>
        <div
          ref={scroller}
          role="rowgroup"
          className="rl-list"
          style={{
            height: props.height ?? '70vh',
            maxHeight: virtualizer.getTotalSize() + 2,
            minHeight: ROW_HEIGHT,
            position: 'relative',
          }}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const run = runs[item.index];
              return (
                <div
                  key={run.id}
                  role="row"
                  aria-rowindex={item.index + 2}
                  className="rl-row"
                  data-run-id={run.id}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW_HEIGHT,
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  <span role="cell" className="rl-name">
                    <a href={href(run)} onClick={(e) => props.onSelect?.(run, e)}>
                      {run.name}
                    </a>
                    {props.onResume && (
                      <>
                        {' '}
                        <button
                          className="rl-btn"
                          type="button"
                          onClick={() => props.onResume?.(run)}
                          aria-label={`Resume ${run.name}`}
                        >
                          Resume
                        </button>
                      </>
                    )}
                  </span>
                  <span role="cell" className="rl-wide">
                    {run.sourceType}
                  </span>
                  <span role="cell" className="rl-wide rl-name">
                    {runModels(run).join(', ') || '—'}
                  </span>
                  <span role="cell" className="rl-wide rl-num">
                    {run.taskCount}
                  </span>
                  <span role="cell" className="rl-wide rl-num">
                    {formatTokens(run.totalTokens)}
                  </span>
                  <span role="cell" className="rl-num">
                    <Cost amount={run.totalCost} />
                    {run.unpricedTaskCount > 0 && (
                      <span className="rl-muted" title={`${run.unpricedTaskCount} unpriced task(s)`}>
                        {' '}
                        +?
                      </span>
                    )}
                  </span>
                  <span role="cell" className="rl-wide">
                    {formatTime(lastActivity(run)).slice(0, 16)}
                  </span>
                  <span role="cell" className="rl-wide">
                    <button
                      type="button"
                      className="rl-btn"
                      aria-pressed={run.starred}
                      aria-label={`Star ${run.name}`}
                      onClick={() =>
                        ledger
                          .run(run.id)
                          .star(!run.starred)
                          .catch((e: Error) => setFailure(`Star failed: ${e.message}`))
                      }
                    >
                      {run.starred ? '★' : '☆'}
                    </button>
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <p className="rl-muted" aria-live="polite">
        {loading
          ? 'Loading…'
          : runs.length === 0
            ? 'No runs.'
            : `${runs.length} run(s)${hasMore ? ', scroll for more' : ''}`}
      </p>
    </div>
  );
}
