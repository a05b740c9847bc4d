import { BudgetSummary, UsageSummary } from '@run-ledger/react';
import { lazy, Suspense } from 'react';

// The chart library is the heaviest dependency: it loads with this page only.
const UsageChart = lazy(() => import('./usage-chart'));

function monthAgo(): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - 30);
  return d.toISOString().slice(0, 10);
}

/** The user's budget, and cost and tokens per day or per model, as a chart and a table. */
export default function UsagePage() {
  return (
    <section aria-label="Usage">
      <h2>Usage</h2>
      <BudgetSummary />
      <UsageSummary
        initial={{ groupBy: 'day', from: monthAgo(), to: new Date().toISOString().slice(0, 10) }}
        renderChart={(rows, groupBy) => (
          <Suspense fallback={<p role="status">Loading the chart…</p>}>
            <UsageChart rows={rows} groupBy={groupBy} />
          </Suspense>
        )}
      />
    </section>
  );
}
