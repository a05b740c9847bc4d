import { formatCost, formatTime } from './format';
import { useLedgerStyles } from './styles';
import { useBudget, type Budget, type BudgetAlert, type BudgetOptions } from './use-budget';

export type BudgetSummaryProps = BudgetOptions;

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;
const PERIOD = { day: 'daily', month: 'monthly' } as const;

/** Spent over limit as a fraction, for display only (the amounts themselves stay exact decimal strings). */
function spentFraction(spent: string, limit: string): number {
  const l = Number(limit);
  return l > 0 ? Number(spent) / l : 1;
}

/** One alert in words: which threshold of which budget, and the spend then. */
export function describeBudgetAlert(a: BudgetAlert): string {
  return `${percent(a.threshold)} of the ${PERIOD[a.period]} budget reached: ${formatCost(a.spent)} of ${formatCost(a.limit)} spent.`;
}

/** The budget's facts: label, value shown, and a `data-budget` key for tests and host styles. */
function facts(b: Budget): Array<[string, string | number, string]> {
  return [
    ['Period', b.period === 'day' ? 'UTC day' : 'UTC month', 'period'],
    ['Limit', formatCost(b.limit), 'limit'],
    ['Spent', formatCost(b.spent), 'spent'],
    ['Remaining', formatCost(b.remaining), 'remaining'],
    ['Resets at', formatTime(b.resetsAt), 'resets-at'],
    ['Enforcement', b.hard ? 'hard: new tasks refused once spent' : 'soft: alerts only', 'hard'],
    ['Alerts at', b.alertAt.map(percent).join(', ') || 'none', 'alert-at'],
    ['Unpriced tasks', b.unpricedTasks, 'unpriced'],
  ];
}

/**
 * A user's budget: spend against the limit as a meter, when it resets, whether it is enforced, unpriced tasks (not in
 * the spend, so counted here), and the alerts received while it is shown, announced politely.
 */
export function BudgetSummary(props: BudgetSummaryProps) {
  useLedgerStyles();
  const { budget, loading, error, alerts } = useBudget(props);
  const fraction = budget ? spentFraction(budget.spent, budget.limit) : 0;
  const over = budget ? fraction >= 1 : false;
  return (
    <section className="rl-root rl-card" aria-label="Budget" aria-busy={loading}>
      <h3 className="rl-budget-title">Budget</h3>
      {error && (
        <p className="rl-error" role="alert">
          Could not load the budget: {error.message}
        </p>
      )}
      {!loading && !error && !budget && <p className="rl-muted">No budget.</p>}
      {budget && (
        <>
          <div
            className={over ? 'rl-meter rl-meter-over' : 'rl-meter'}
            role="meter"
            aria-label="Budget spent"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.min(100, Math.round(fraction * 100))}
            aria-valuetext={`${formatCost(budget.spent)} of ${formatCost(budget.limit)} (${percent(fraction)})`}
          >
            <span style={{ width: `${Math.min(100, fraction * 100)}%` }} />
          </div>
          <dl className="rl-facts">
            {facts(budget).map(([label, value, key]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd data-budget={key}>{value}</dd>
              </div>
            ))}
          </dl>
          {budget.unpricedTasks > 0 && (
            <p role="note">
              {budget.unpricedTasks} task(s) of this period have no price: their cost is not in the spend.
            </p>
          )}
        </>
      )}
      {/* Always in the page, so a screen reader hears what is added to it. */}
      <div aria-live="polite" aria-label="Budget alerts" role="region">
        {alerts.length > 0 && (
          <ul className="rl-budget-alerts">
            {alerts.map((a) => (
              <li key={a.alertId}>{describeBudgetAlert(a)}</li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
