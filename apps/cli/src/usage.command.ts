import type { Command } from 'commander';
import { sumMoney } from '@ledger/money';
import { usageSummary } from '@ledger/projections';
import { usage } from './cli-io';
import { parseSince, uuidOption } from './options';
import { table } from './text-table';
import type { CliContext } from './cli-context';

/** `ledger usage --user <id>`: tokens and cost by day or by model, from the usage read model. */
export function registerUsage(program: Command, ctx: CliContext): void {
  program
    .command('usage')
    .description("a user's tokens and cost by UTC day or by model (from usage_daily)")
    .requiredOption('--user <uuid>', 'the user id')
    .option('--since <when>', 'a span (30d, 12h, 2w) or a date', '30d')
    .option('--by <key>', 'day or model', 'day')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ ledger usage --user 7f1c…-… --since 7d --by model')
    .action(
      ctx.action(async (opts: { user: string; since: string; by: string; json?: boolean }) => {
        const user = uuidOption(opts.user, '--user');
        if (opts.by !== 'day' && opts.by !== 'model') usage('--by must be day or model');
        const from = parseSince(opts.since);
        await ctx.withRuntime(async (rt) => {
          const { rows } = await usageSummary(rt.pool, user, { from, groupBy: opts.by as 'day' | 'model' });
          if (opts.json) return ctx.out(JSON.stringify({ rows }, null, 2));
          const cost = sumMoney(rows.map((r) => r.cost));
          const sum = { tasks: 0, input: 0, output: 0, cached: 0, reasoning: 0, unpriced: 0 };
          for (const r of rows) {
            sum.tasks += r.tasks;
            sum.input += r.inputTokens;
            sum.output += r.outputTokens;
            sum.cached += r.cachedInputTokens;
            sum.reasoning += r.reasoningTokens;
            sum.unpriced += r.unpricedTasks ?? 0;
          }
          const body = rows.map((r) => [
            (opts.by === 'day' ? r.day : r.model) ?? '',
            String(r.tasks),
            String(r.inputTokens),
            String(r.outputTokens),
            String(r.cachedInputTokens),
            String(r.reasoningTokens),
            `$${r.cost}`,
            String(r.unpricedTasks ?? 0),
          ]);
          body.push([
            'TOTAL',
            String(sum.tasks),
            String(sum.input),
            String(sum.output),
            String(sum.cached),
            String(sum.reasoning),
            `$${cost.toFixed()}`,
            String(sum.unpriced),
          ]);
          ctx.out(
            table(
              [
                opts.by.toUpperCase(),
                'TASKS',
                'INPUT',
                'OUTPUT',
                'CACHED',
                'REASONING',
                'COST (USD)',
                'UNPRICED',
              ],
              body,
              new Set([1, 2, 3, 4, 5, 6, 7]),
            ),
          );
          ctx.out(
            `since ${from.slice(0, 10)} (UTC days)${sum.unpriced ? `; ${sum.unpriced} task(s) have no price and are not in the cost` : ''}`,
          );
        });
      }),
    );
}
