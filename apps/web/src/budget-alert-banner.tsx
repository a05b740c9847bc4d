import { describeBudgetAlert, useLedger, type BudgetAlert } from '@run-ledger/react';
import { useEffect, useState } from 'react';

/**
 * The latest `budget.alert` push, on whatever page is open, until dismissed. The live region is always in the page so
 * that a screen reader announces an alert when it arrives.
 */
export function BudgetAlertBanner() {
  const ledger = useLedger();
  const [alert, setAlert] = useState<BudgetAlert | null>(null);
  useEffect(() => ledger.onPush<BudgetAlert>('budget.alert', setAlert), [ledger]);
  return (
    <div className="budget-banner-region" role="status" aria-live="polite" aria-label="Budget alert">
      {alert && (
        <p className="budget-banner" data-alert-id={alert.alertId}>
          <span>{describeBudgetAlert(alert)}</span> <a href="#/usage">See the budget</a>{' '}
          <button className="rl-btn" type="button" onClick={() => setAlert(null)}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}
