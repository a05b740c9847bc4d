import type { Command } from 'commander';
import {
  budgetPeriods,
  budgetStatus,
  decideClearBudget,
  decideSetBudget,
  periodBounds,
  type BudgetPeriod,
} from '@ledger/domain';
import { decimalAmount } from '@ledger/contract';
import { periodSpend } from '@ledger/projections';
import { BudgetStreams } from '@ledger/operations';
import { CliError } from './cli-io';
import { uuidOption } from './options';
import type { CliContext } from './cli-context';

/** The operator's user id in the events a CLI command writes (metadata.userId): the nil UUID. */
const OPERATOR = '00000000-0000-0000-0000-000000000000';

/** `ledger budget set|get|clear`: the budget commands of the protocol, on the database directly. */
export function registerBudget(program: Command, ctx: CliContext): void {
  const budget = program.command('budget').description("a user's spending limit (budget.set|get|clear)");
  budget
    .command('set')
    .description('set (or replace) the budget of a user')
    .requiredOption('--user <uuid>', 'the user')
    .requiredOption('--limit <usd>', 'the limit, a decimal amount in USD, e.g. 25 or 12.50')
    .option('--period <period>', 'day or month (UTC)', 'month')
    .option('--alert-at <fractions>', 'thresholds, comma separated', '0.5,0.8,1')
    .option('--soft', 'alert only, never refuse task.create')
    .addHelpText('after', '\nExample:\n  $ ledger budget set --user 7f1c…-… --limit 25 --period month')
    .action(
      ctx.action(
        async (opts: { user: string; limit: string; period: string; alertAt: string; soft?: boolean }) => {
          const userId = uuidOption(opts.user, '--user');
          if (!decimalAmount.safeParse(opts.limit).success)
            throw new CliError(`--limit: a decimal amount such as 25 or 12.50, not "${opts.limit}"`);
          if (!(budgetPeriods as readonly string[]).includes(opts.period))
            throw new CliError('--period: day or month');
          const alertAt = opts.alertAt.split(',').map(Number);
          if (alertAt.some((a) => !(a > 0 && a <= 10)))
            throw new CliError('--alert-at: fractions above 0, at most 10');
          await ctx.withRuntime(async (rt) => {
            const streams = new BudgetStreams(rt.store);
            const state = await streams.load(userId);
            const now = new Date().toISOString();
            const cmd = {
              userId,
              period: opts.period as BudgetPeriod,
              limit: opts.limit,
              alertAt,
              hard: !opts.soft,
            };
            const decisions = decideSetBudget(state, cmd, now);
            if (decisions.length) await streams.append(userId, state, decisions, { userId: OPERATOR, now });
            ctx.out(decisions.length ? `budget of ${userId} set` : `budget of ${userId} unchanged`);
          });
        },
      ),
    );
  budget
    .command('get')
    .description("a user's budget and its spend in the current period")
    .requiredOption('--user <uuid>', 'the user')
    .option('--json', 'print JSON')
    .action(
      ctx.action(async (opts: { user: string; json?: boolean }) => {
        const userId = uuidOption(opts.user, '--user');
        await ctx.withRuntime(async (rt) => {
          const state = await new BudgetStreams(rt.store).load(userId);
          if (!state.budget) return ctx.out(opts.json ? JSON.stringify({ budget: null }) : 'no budget');
          const now = new Date();
          const bounds = periodBounds(state.budget.period, now);
          const spend = await periodSpend(rt.pool, userId, bounds.from, bounds.to);
          const s = budgetStatus(state, spend.spent, now)!;
          const view = { ...s, unpricedTasks: spend.unpricedTasks, alertAt: state.budget.alertAt };
          if (opts.json) return ctx.out(JSON.stringify({ budget: view }));
          ctx.out(
            `${s.period} budget ${s.limit} USD (${s.hard ? 'hard' : 'soft'}): spent ${s.spent}, remaining ` +
              `${s.remaining}, resets ${s.resetsAt}; ${spend.unpricedTasks} unpriced task(s) not in the sum`,
          );
        });
      }),
    );
  budget
    .command('clear')
    .description("remove a user's budget")
    .requiredOption('--user <uuid>', 'the user')
    .action(
      ctx.action(async (opts: { user: string }) => {
        const userId = uuidOption(opts.user, '--user');
        await ctx.withRuntime(async (rt) => {
          const streams = new BudgetStreams(rt.store);
          const state = await streams.load(userId);
          const now = new Date().toISOString();
          const decisions = decideClearBudget(state, userId, now);
          if (decisions.length) await streams.append(userId, state, decisions, { userId: OPERATOR, now });
          ctx.out(decisions.length ? `budget of ${userId} cleared` : `${userId} had no budget`);
        });
      }),
    );
}
