import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '@ledger/config';
import { loadPricing, PricingCatalogError, readOverridesFile, type Pricing } from '@ledger/pricing';
import { failure, usage } from './cli-io';
import { parseSince } from './options';
import { table } from './text-table';
import type { CliContext } from './cli-context';
import { findDrift } from './prices-drift';
import { quote, QuoteInputError, quoteText } from './prices-quote';

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

/** `ledger prices quote|drift|update`, added to the `prices` command. */
export function registerPriceTools(prices: Command, ctx: CliContext, catalog: () => Pricing): void {
  prices
    .command('quote')
    .description(
      'the exact cost the ledger records for a usage, with the price entry and catalog version (no database)',
    )
    .requiredOption(
      '--provider <provider>',
      'openai, anthropic, google, vertex, bedrock, xai, mistral, deepseek, …',
    )
    .requiredOption('--model <model>', 'the model id as the task records it')
    .requiredOption('--at <when>', 'the moment of the call: an ISO date or date-time')
    .requiredOption(
      '--usage <json>',
      'the usage as task.complete takes it, e.g. {"inputTokens":1200,"outputTokens":300}',
    )
    .option('--service-tier <tier>', 'default, flex, priority, batch…')
    .option('--json', 'print {amount (or null), currency, priceId, prices, catalogVersion, …}')
    .addHelpText(
      'after',
      '\nExample:\n  $ ledger prices quote --provider openai --model gpt-4o-2024-08-06 --at 2024-09-01 \\\n      --usage \'{"inputTokens":1000,"outputTokens":100}\' --json',
    )
    .action(
      ctx.action(
        (opts: {
          provider: string;
          model: string;
          at: string;
          usage: string;
          serviceTier?: string;
          json?: boolean;
        }) => {
          let q;
          try {
            q = quote(catalog(), opts);
          } catch (error) {
            if (error instanceof QuoteInputError) usage(error.message);
            throw error;
          }
          ctx.out(opts.json ? JSON.stringify(q) : quoteText(q));
        },
      ),
    );

  prices
    .command('drift')
    .description("tasks whose provider-reported cost differs from the ledger's by more than the tolerance")
    .option('--tolerance <fraction>', 'accepted difference as a fraction of the reported cost', '0.01')
    .option('--since <when>', 'only tasks completed at or after (2025-01-31, an ISO time, or a span: 30d)')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExample:\n  $ ledger prices drift --tolerance 0.02 --since 30d')
    .action(
      ctx.action(async (opts: { tolerance: string; since?: string; json?: boolean }) => {
        if (!DECIMAL.test(opts.tolerance)) usage('--tolerance must be a non-negative decimal such as 0.01');
        const since = opts.since === undefined ? undefined : parseSince(opts.since);
        await ctx.withRuntime(async (rt) => {
          const rows = await findDrift(rt.pool, { tolerance: opts.tolerance, since });
          if (opts.json) return rows.forEach((r) => ctx.out(JSON.stringify(r)));
          if (rows.length === 0) return ctx.out(`no drift above ${opts.tolerance} of the reported cost`);
          ctx.out(
            table(
              ['TASK', 'MODEL', 'LEDGER', 'REPORTED', 'DIFF', 'SOURCE', 'PRICE ID'],
              rows.map((r) => [
                r.taskId,
                `${r.provider}/${r.model}`,
                r.cost ?? 'null',
                `${r.reportedCost} ${r.currency}`,
                r.difference ?? '-',
                r.source,
                r.priceId ?? '-',
              ]),
              new Set([2, 3, 4]),
            ),
          );
        });
      }),
    );

  prices
    .command('update')
    .description(
      'validate a price file and install it as LEDGER_PRICES_FILE (the overrides on top of the catalog)',
    )
    .argument('<file>', 'a JSON array of entries with the catalog schema')
    .option('--dry-run', 'validate and show the change, install nothing')
    .addHelpText(
      'after',
      '\nExample:\n  $ LEDGER_PRICES_FILE=/etc/ledger/prices.json ledger prices update ./prices-2026-12.json\n  then: ledger prices reprice --since 2026-12-01 --dry-run',
    )
    .action(
      ctx.action((file: string, opts: { dryRun?: boolean }) => {
        const target = loadConfig({ LEDGER_LOG_LEVEL: 'warn', ...process.env }).LEDGER_PRICES_FILE;
        if (!target && !opts.dryRun)
          usage('set LEDGER_PRICES_FILE to the file the server loads, then run again');
        let next: Pricing;
        let entries;
        try {
          entries = readOverridesFile(file);
          next = loadPricing({ overridesFile: file });
        } catch (error) {
          if (error instanceof PricingCatalogError) failure(error.message);
          throw error;
        }
        // The catalog in use: the installed file's, or none yet (first install).
        const before = target && existsSync(target) ? catalog() : loadPricing();
        const oldIds = new Map(
          (target ? safeRead(target) : []).map((e) => [e.id, JSON.stringify(e)] as const),
        );
        const added = entries.filter((e) => !oldIds.has(e.id)).map((e) => e.id);
        const changed = entries.filter((e) => oldIds.has(e.id) && oldIds.get(e.id) !== JSON.stringify(e));
        const removed = [...oldIds.keys()].filter((id) => !entries.some((e) => e.id === id));
        ctx.out(`catalog ${before.version} → ${next.version}`);
        ctx.out(
          `${added.length} added, ${changed.length} changed, ${removed.length} removed${
            added.length + changed.length + removed.length ? ':' : ''
          }`,
        );
        for (const id of added) ctx.out(`  + ${id}`);
        for (const e of changed) ctx.out(`  ~ ${e.id}`);
        for (const id of removed) ctx.out(`  - ${id}`);
        if (opts.dryRun || !target) return ctx.out('dry run: nothing installed');
        const tmp = `${target}.tmp-${process.pid}`;
        writeFileSync(tmp, readFileSync(file));
        renameSync(tmp, target);
        ctx.out(
          `installed ${file} as ${target}; restart the server to load it, then \`ledger prices reprice --since <date> --dry-run\``,
        );
      }),
    );
}

function safeRead(file: string) {
  try {
    return readOverridesFile(file);
  } catch {
    return [];
  }
}
