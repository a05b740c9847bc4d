import type { Command } from 'commander';
import { loadConfig } from '@ledger/config';
import type { Cost, RepriceCommandData } from '@ledger/domain';
import { handleRunCommand, operatorRequest } from '@ledger/operations';
import {
  describeEntry,
  formatPriceTable,
  loadPricing,
  normaliseModel,
  type PriceEntry,
  type Pricing,
} from '@ledger/pricing';
import type { LedgerRuntime } from '@ledger/runtime';
import { failure, usage } from './cli-io';
import { parseSince } from './options';
import { table } from './text-table';
import type { CliContext } from './cli-context';
import { costText } from './replay.command';
import { missingPrices } from './prices-missing';
import { registerPriceTools } from './prices-tools.commands';

function catalog(): Pricing {
  return loadPricing({
    overridesFile: loadConfig({ LEDGER_LOG_LEVEL: 'warn', ...process.env }).LEDGER_PRICES_FILE,
  });
}

/** `ledger prices list|show|missing|reprice|quote|drift|update`. */
export function registerPrices(program: Command, ctx: CliContext): void {
  const prices = program
    .command('prices')
    .description('the price catalog (built in, plus LEDGER_PRICES_FILE overrides)');
  registerPriceTools(prices, ctx, catalog);

  prices
    .command('list')
    .description('every catalog entry, prices in USD per million tokens')
    .addHelpText('after', '\nExample:\n  $ ledger prices list')
    .action(ctx.action(() => ctx.out(formatPriceTable(catalog().list()))));

  prices
    .command('show')
    .description('the entry (or entries) pricing a model now, with every price and tier')
    .argument('<model>', 'a model name, a dated snapshot (gpt-4o-2024-08-06) or an entry id')
    .option('--provider <provider>', 'openai, anthropic, google, …')
    .addHelpText('after', '\nExample:\n  $ ledger prices show claude-sonnet-4-20250514 --provider anthropic')
    .action(
      ctx.action((model: string, opts: { provider?: string }) => {
        const pricing = catalog();
        const entries = findEntries(pricing, model, opts.provider);
        if (entries.length === 0) failure(`no price for ${opts.provider ? `${opts.provider}/` : ''}${model}`);
        ctx.out(entries.map(describeEntry).join('\n\n'));
      }),
    );

  prices
    .command('missing')
    .description(
      'models of ended tasks in the log that have no price (cost.amount null, after repricing), with counts',
    )
    .addHelpText('after', '\nExample:\n  $ ledger prices missing')
    .action(
      ctx.action(async () => {
        await ctx.withRuntime(async (rt) => {
          const rows = await missingPrices(rt);
          if (rows.length === 0) return ctx.out('every ended task has a price');
          ctx.out(
            table(
              ['PROVIDER', 'MODEL', 'TASKS', 'LAST ENDED'],
              rows.map((r) => [r.provider, r.model, String(r.tasks), r.lastEndedAt]),
              new Set([2]),
            ),
          );
          ctx.out(
            `${rows.reduce((n, r) => n + r.tasks, 0)} unpriced task(s) over ${rows.length} model(s); add prices (LEDGER_PRICES_FILE), then \`ledger prices reprice\``,
          );
        });
      }),
    );

  prices
    .command('reprice')
    .description(
      "price a model's ended tasks again with the current catalog; appends TaskRepriced where the cost changes",
    )
    .option('--model <model>', 'only the tasks of this model, exactly as recorded (default: every model)')
    .requiredOption(
      '--since <when>',
      'tasks ended at or after this date (2025-01-31, an ISO time, or a span: 30d)',
    )
    .option('--reason <text>', 'why (kept in each event)', 'price catalog corrected')
    .option('--dry-run', 'print the changes, append nothing')
    .addHelpText(
      'after',
      '\nExample:\n  $ ledger prices reprice --model gpt-4o --since 2025-06-01 --reason "cached input price fixed" --dry-run',
    )
    .action(
      ctx.action(async (opts: { model?: string; since: string; reason: string; dryRun?: boolean }) => {
        if (opts.model !== undefined && !opts.model.trim()) usage('--model must not be empty');
        const since = parseSince(opts.since);
        await ctx.withRuntime(async (rt) => {
          const result = await reprice(
            rt,
            { model: opts.model, since, reason: opts.reason, dryRun: Boolean(opts.dryRun) },
            (change) =>
              ctx.out(
                `${change.runId} ${change.taskId} ${costText(change.previousCost)} → ${costText(change.cost)}`,
              ),
          );
          ctx.out(
            opts.dryRun
              ? `dry run: ${result.tasks} task(s) in ${result.runs} run(s) would be repriced with catalog ${result.catalogVersion} (nothing appended)`
              : `repriced ${result.tasks} task(s) in ${result.runs} run(s) with catalog ${result.catalogVersion} (${result.tasks} TaskRepriced event(s) appended)`,
          );
        });
      }),
    );
}

function findEntries(pricing: Pricing, model: string, provider?: string): PriceEntry[] {
  const all = pricing.list();
  const byId = all.filter((e) => e.id === model);
  if (byId.length) return byId;
  const providers = provider ? [provider] : [...new Set(all.map((e) => e.provider))];
  const found = new Map<string, PriceEntry>();
  for (const p of providers) {
    const entry = pricing.find(p, model);
    if (entry) found.set(entry.id, entry);
  }
  if (found.size) return [...found.values()];
  const wanted = normaliseModel(model);
  return all.filter((e) => normaliseModel(e.model) === wanted && (!provider || e.provider === provider));
}

export interface RepriceOptions {
  model?: string;
  since: string;
  reason: string;
  dryRun: boolean;
  /** The clock (default: now). */
  now?: string;
  /** The catalog (default: the built-in one with LEDGER_PRICES_FILE). */
  pricing?: Pricing;
}

export interface RepriceChange {
  runId: string;
  taskId: string;
  cost: Cost;
  previousCost: Cost | null;
}

/**
 * For each run with tasks of the model: the run decider's `prices.reprice` in the name of the run's owner, through
 * the same handle-and-append path as every writer (a writer in between means read and decide again, under the one
 * conflict retry). Each run gets a commandId of its own; the events name `command: 'prices.reprice'`.
 */
export async function reprice(
  rt: LedgerRuntime,
  options: RepriceOptions,
  onChange: (c: RepriceChange) => void = () => undefined,
): Promise<{ runs: number; tasks: number; catalogVersion: string }> {
  const now = options.now ?? new Date().toISOString();
  // The same catalog the server loads (built-in data + LEDGER_PRICES_FILE), here with its version.
  const pricing = options.pricing ?? catalog();
  const functions = { price: pricing.price.bind(pricing), estimate: pricing.estimate.bind(pricing) };

  let runs = 0;
  let tasks = 0;
  for (const runId of await rt.store.runIdsWithModel(options.model)) {
    const payload: RepriceCommandData = {
      runId,
      ...(options.model !== undefined && { model: options.model }),
      since: options.since,
      reason: options.reason,
      catalogVersion: pricing.version,
    };
    const { events } = await handleRunCommand(
      rt.store,
      runId,
      functions,
      (state) =>
        state.userId === null ? null : operatorRequest('prices.reprice', payload, state.userId, now),
      { dryRun: options.dryRun },
    );
    for (const e of events)
      if (e.type === 'TaskRepriced')
        onChange({ runId, taskId: e.data.taskId, cost: e.data.cost, previousCost: e.data.previousCost });
    if (events.length > 0) runs += 1;
    tasks += events.length;
  }
  return { runs, tasks, catalogVersion: pricing.version };
}
