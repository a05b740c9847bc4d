import { Inject, Injectable } from '@nestjs/common';
import { LedgerError, type CommandName, type CommandPayload } from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import type { Caller } from '../infra/auth';
import { EVENT_STORE } from '../infra/tokens';
import { BudgetService } from './budget.service';

/** What the command dispatcher sees of budgets: the budget commands, and the check before `task.create`. */
@Injectable()
export class BudgetGate {
  constructor(
    private readonly budgets: BudgetService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  command(caller: Caller, name: CommandName, payload: unknown): Promise<unknown> {
    switch (name) {
      case 'budget.set':
        return this.budgets.set(caller, payload as CommandPayload<'budget.set'>);
      case 'budget.clear':
        return this.budgets.clear(caller, payload as CommandPayload<'budget.clear'>);
      case 'budget.get':
        return this.budgets.get(caller, payload as CommandPayload<'budget.get'>);
      default:
        throw new LedgerError('VALIDATION', `unknown command ${name}`);
    }
  }

  /** See `BudgetService.carryBeforeDelete`: call before `run.delete`, run the result once it is acknowledged. */
  carryBeforeDelete(userId: string, runId: string): Promise<(() => Promise<void>) | null> {
    return this.budgets.carryBeforeDelete(userId, runId);
  }

  /**
   * Refuses a new task once the hard budget is spent. A refusal is checked against the run first, so the
   * protocol's order holds: another user's run stays `NOT_FOUND`, and a retried `task.create` whose task is already
   * in the run gets its first ack (or `CONFLICT`) from the writer, never `BUDGET_EXCEEDED`.
   */
  async beforeTaskCreate(userId: string, p: CommandPayload<'task.create'>): Promise<void> {
    try {
      await this.budgets.assertCanCreateTask(userId);
    } catch (error) {
      if (!(error instanceof LedgerError) || error.code !== 'BUDGET_EXCEEDED') throw error;
      const events = await this.store.readStream(toRunStreamId(p.runId));
      const first = events[0];
      const ownRun = first?.type === 'RunStarted' && first.data.userId === userId;
      if (!ownRun) return;
      if (events.some((e) => e.type === 'TaskCreated' && e.data.taskId === p.taskId)) return;
      throw error;
    }
  }
}
