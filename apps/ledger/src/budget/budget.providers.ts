import { AlertOutbox } from './alert-outbox';
import { BudgetAlerts } from './budget-alerts';
import { BudgetGate } from './budget-gate';
import { BudgetService } from './budget.service';

/** The budget side of the server (listed in app.module). */
export const budgetProviders = [BudgetService, BudgetAlerts, BudgetGate, AlertOutbox];
