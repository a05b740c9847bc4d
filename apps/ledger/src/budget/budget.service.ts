import { Inject, Injectable } from '@nestjs/common';
import { LedgerError, type AckData, type BudgetExceededDetails, type CommandPayload } from '@ledger/contract';
import {
  budgetStatus,
  decideCarrySpend,
  decideClearBudget,
  decideSetBudget,
  periodBounds,
  type BudgetDecision,
  type BudgetState,
} from '@ledger/domain';
import { DuplicateEventId, retryOnConflict } from '@ledger/event-store';
import type { PeriodSpend } from '@ledger/projections';
import type { Caller } from '@ledger/runtime';
import { dateOf } from '../infra/clock';
import { INFRA, type LedgerInfra } from '../infra/tokens';
import { ProjectionHost } from '../read/projection-host';
import { BudgetAlerts } from './budget-alerts';
import { BudgetStreams } from '@ledger/operations';
import { budgetSpend, runSpendSince } from './budget-spend';

/** `budget.set|clear|get`, and the check `task.create` passes before its events are written. */
@Injectable()
export class BudgetService {
  private readonly streams: BudgetStreams;
  private readonly cache = new Map<string, { state: BudgetState; until: number }>();

  constructor(
    @Inject(INFRA) private readonly infra: LedgerInfra,
    private readonly projection: ProjectionHost,
    private readonly alerts: BudgetAlerts,
  ) {
    this.streams = new BudgetStreams(infra.store);
  }

  async set(caller: Caller, p: CommandPayload<'budget.set'>): Promise<AckData['budget.set']> {
    await this.decide(caller, p.userId, (state, now) => decideSetBudget(state, p, now));
    // The spend may already be past some of the new thresholds.
    await this.alerts.evaluate(p.userId);
    return {};
  }

  async clear(caller: Caller, p: CommandPayload<'budget.clear'>): Promise<AckData['budget.clear']> {
    await this.decide(caller, p.userId, (state, now) => decideClearBudget(state, p.userId, now));
    return {};
  }

  async get(caller: Caller, p: CommandPayload<'budget.get'>): Promise<AckData['budget.get']> {
    if (p.userId !== undefined && p.userId !== caller.userId && !caller.admin)
      throw new LedgerError('FORBIDDEN', "another user's budget needs the admin role");
    const userId = p.userId ?? caller.userId;
    const state = await this.streams.load(userId);
    if (!state.budget) return { budget: null };
    const now = dateOf(this.infra.clock);
    const spend = await this.spend(userId, state, now);
    const status = budgetStatus(state, spend.spent, now)!;
    return {
      budget: {
        period: status.period,
        limit: status.limit,
        spent: status.spent,
        remaining: status.remaining,
        resetsAt: status.resetsAt,
        hard: status.hard,
        unpricedTasks: spend.unpricedTasks,
        alertAt: [...state.budget.alertAt],
      },
    };
  }

  /**
   * Refuses `BUDGET_EXCEEDED` when the user's hard budget is spent. Tasks already created are not affected (their
   * chunks and completion are other commands), so a task running when the limit is reached completes normally.
   */
  async assertCanCreateTask(userId: string): Promise<void> {
    const state = await this.cached(userId);
    if (!state.budget?.hard) return;
    const now = dateOf(this.infra.clock);
    const spend = await this.spend(userId, state, now);
    const status = budgetStatus(state, spend.spent, now)!;
    if (!status.exhausted) return;
    // In case the alert of the limit was lost (a crash between a projector commit and its evaluation).
    void this.alerts.evaluate(userId);
    const details: BudgetExceededDetails = {
      period: status.period,
      limit: status.limit,
      spent: status.spent,
      resetsAt: status.resetsAt,
    };
    throw new LedgerError(
      'BUDGET_EXCEEDED',
      `the ${status.period} budget of ${status.limit} USD is spent (${status.spent}); it resets at ${status.resetsAt}`,
      details,
    );
  }

  /**
   * The period's spend once the projection has applied everything in the log now (bounded by
   * LEDGER_BUDGET_WAIT_MS), so the tasks whose completion was acknowledged before this call are counted.
   */
  private async spend(userId: string, state: BudgetState, now: Date): Promise<PeriodSpend> {
    await this.catchUp();
    return budgetSpend(this.infra.pool, userId, state, now);
  }

  /**
   * Before `run.delete` of a user with a budget: the run's cost in the current period, and the append that keeps it
   * in the budget stream once the deletion is acknowledged (a run's rows leave `usage_daily` with it). Null when
   * there is nothing to keep.
   */
  async carryBeforeDelete(userId: string, runId: string): Promise<(() => Promise<void>) | null> {
    const state = await this.cached(userId);
    if (!state.budget) return null;
    await this.catchUp();
    const { from } = periodBounds(state.budget.period, dateOf(this.infra.clock));
    const spend = await runSpendSince(this.infra.pool, userId, runId, from);
    if (!Object.keys(spend.days).length && !Object.keys(spend.unpricedTasks).length) return null;
    return () =>
      this.decide({ userId, admin: false, teams: [], teamRoles: {} }, userId, (fresh, now) =>
        decideCarrySpend(fresh, userId, runId, spend, now),
      );
  }

  private async catchUp(): Promise<void> {
    if (this.infra.config.LEDGER_PROJECTOR === 'off' || this.infra.config.LEDGER_BUDGET_WAIT_MS === 0) return;
    const head = await this.infra.store.headPosition();
    // A failed or slow projection: decide with the rows it has rather than refuse every task.
    if (head) await this.projection.caughtUp(head, this.infra.config.LEDGER_BUDGET_WAIT_MS);
  }

  private async cached(userId: string): Promise<BudgetState> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > this.infra.clock.now()) return hit.state;
    const state = await this.streams.load(userId);
    this.remember(userId, state);
    return state;
  }

  private remember(userId: string, state: BudgetState): void {
    this.cache.delete(userId);
    this.cache.set(userId, {
      state,
      until: this.infra.clock.now() + this.infra.config.LEDGER_BUDGET_CACHE_MS,
    });
    if (this.cache.size > 100_000) this.cache.delete(this.cache.keys().next().value as string);
  }

  private async decide(
    caller: Caller,
    userId: string,
    decide: (state: BudgetState, now: string) => BudgetDecision[],
  ): Promise<void> {
    // A concurrent writer moved the stream: decide again on what it now holds (the one conflict retry).
    await retryOnConflict(async () => {
      const state = await this.streams.load(userId);
      const now = dateOf(this.infra.clock).toISOString();
      const decisions = decide(state, now);
      try {
        if (decisions.length)
          await this.streams.append(userId, state, decisions, { userId: caller.userId, now });
      } catch (error) {
        if (error instanceof DuplicateEventId) return; // the same fact, already stored (a retried run.delete)
        throw error;
      }
      this.remember(userId, state);
    });
  }
}
