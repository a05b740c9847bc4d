import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { BudgetAlert } from '@ledger/contract';
import { decideThresholds, type BudgetThresholdReachedData } from '@ledger/domain';
import { DuplicateEventId, isRevisionConflict, retryOnConflict } from '@ledger/event-store';
import type { ProjectorChange } from '@ledger/projections';
import { dateOf } from '../infra/clock';
import { INFRA, type LedgerInfra } from '../infra/tokens';
import { ProjectionHost } from '../read/projection-host';
import { USER_PUSHER, type UserPusher } from '../read/user-pusher';
import { BudgetStreams } from '@ledger/operations';
import { budgetSpend } from './budget-spend';

/** How long a user seen without a budget is not looked up again after a commit (ms); `budget.set` bypasses it. */
const NO_BUDGET_CACHE_MS = 1_000;

export function toBudgetAlert(d: BudgetThresholdReachedData): BudgetAlert {
  return {
    alertId: d.alertId,
    userId: d.userId,
    period: d.period,
    threshold: d.threshold,
    spent: d.spent,
    limit: d.limit,
  };
}

/**
 * Raises budget thresholds. After each projector commit, the users whose tasks ended in it are evaluated: the
 * period's spend is read, and every threshold it reached that the budget stream does not hold yet is appended at
 * the stream's revision. Only the instance whose append wins pushes and logs; the webhook goes through the outbox.
 */
@Injectable()
export class BudgetAlerts implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly streams: BudgetStreams;
  /** One evaluation at a time per user (others queue behind it). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Users without a budget, until when: most users have none, and commits come every few milliseconds. */
  private readonly noBudget = new Map<string, number>();
  private off?: () => void;

  constructor(
    @Inject(INFRA) private readonly infra: LedgerInfra,
    // The gateway (the pusher) depends on this service through the dispatcher: looked up once Nest is up.
    private readonly modules: ModuleRef,
    private readonly projection: ProjectionHost,
  ) {
    this.streams = new BudgetStreams(infra.store);
  }

  onApplicationBootstrap(): void {
    this.off = this.projection.onCommit((change) => this.onCommit(change));
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  private onCommit(change: ProjectorChange): void {
    const users = new Set<string>();
    for (const t of change.tasks) if (t.completedAt) users.add(t.userId);
    for (const userId of users)
      if ((this.noBudget.get(userId) ?? 0) <= Date.now()) void this.evaluate(userId);
  }

  /** Appends the thresholds reached now (once each per period); resolves when done, never rejects. */
  evaluate(userId: string): Promise<void> {
    const previous = this.chains.get(userId) ?? Promise.resolve();
    const next = previous
      .then(() => this.evaluateNow(userId))
      .catch((error: unknown) =>
        this.infra.logger.error({ err: error, userId }, 'budget thresholds not evaluated'),
      )
      .finally(() => {
        if (this.chains.get(userId) === next) this.chains.delete(userId);
      });
    this.chains.set(userId, next);
    return next;
  }

  private async evaluateNow(userId: string): Promise<void> {
    // Another instance (or a budget.set) moved the stream, or stored the same threshold first: decide again on what
    // it now holds (the one conflict retry, here also on the duplicate id of a threshold already reached).
    await retryOnConflict(
      async () => {
        const state = await this.streams.load(userId);
        if (!state.budget) {
          this.rememberNoBudget(userId);
          return;
        }
        this.noBudget.delete(userId);
        const now = dateOf(this.infra.clock);
        const { spent } = await budgetSpend(this.infra.pool, userId, state, now);
        const decisions = decideThresholds(state, userId, spent, now);
        if (decisions.length === 0) return;
        const events = await this.streams.append(userId, state, decisions, {
          userId,
          now: now.toISOString(),
        });
        for (const e of events) if (e.type === 'BudgetThresholdReached') this.announce(e.data);
      },
      (error) => isRevisionConflict(error) || error instanceof DuplicateEventId,
    );
  }

  private rememberNoBudget(userId: string): void {
    this.noBudget.set(userId, Date.now() + NO_BUDGET_CACHE_MS);
    if (this.noBudget.size > 100_000) this.noBudget.delete(this.noBudget.keys().next().value as string);
  }

  private announce(data: BudgetThresholdReachedData): void {
    const alert = toBudgetAlert(data);
    this.infra.logger.warn({ budgetAlert: alert, periodKey: data.periodKey }, 'budget threshold reached');
    this.modules
      .get<UserPusher>(USER_PUSHER, { strict: false })
      .pushToUser(data.userId, 'budget.alert', alert);
  }
}
