import type { Command } from 'commander';
import { loadConfig } from '@ledger/config';
import type { RetentionPolicy } from '@ledger/domain';
import { applyRetention, parseDays, planRetention, policyFromConfig, vacuumErased } from '@ledger/operations';
import { CliError } from './cli-io';
import type { CliContext } from './cli-context';
import { rateBar } from './progress';

interface RetentionOptions {
  archiveAfter?: string;
  eraseAfter?: string;
  sourceType?: string;
  includeStarred?: boolean;
  dryRun?: boolean;
  at?: string;
}

/** `ledger retention apply`: archive and erase idle runs, by the deployment's policy or the options given. */
export function registerRetention(program: Command, ctx: CliContext): void {
  const retention = program.command('retention').description('archive and erase idle runs');
  retention
    .command('apply')
    .description(
      'archive runs idle --archive-after days and erase (tombstone) runs idle --erase-after days; activity is a ' +
        "run's last message, else its start; starred runs are exempt unless --include-starred. Without either " +
        'option, the LEDGER_RETENTION_* policy is applied',
    )
    .option('--archive-after <days>', 'archive runs idle this long, e.g. 30d')
    .option('--erase-after <days>', 'erase runs idle this long, e.g. 365d')
    .option('--source-type <type>', 'only runs of this source type')
    .option('--include-starred', 'starred runs too')
    .option('--dry-run', 'list what would change, change nothing')
    .option('--at <iso-time>', 'act as if it were this time (default: now)')
    .addHelpText(
      'after',
      '\nExample:\n  $ ledger retention apply --archive-after 30d --erase-after 365d --dry-run',
    )
    .action(
      ctx.action(async (opts: RetentionOptions) => {
        const policy = policyOf(opts);
        const now = opts.at === undefined ? new Date() : new Date(opts.at);
        if (Number.isNaN(now.getTime())) throw new CliError(`--at: not a time: ${opts.at}`);
        await ctx.withRuntime(async (rt) => {
          const plan = await planRetention(rt.pool, policy, now);
          if (opts.dryRun) {
            for (const run of plan)
              ctx.out(`${run.action}\t${run.runId}\t${run.sourceType}\tlast activity ${run.lastActivityAt}`);
            const count = (a: string) => plan.filter((r) => r.action === a).length;
            ctx.out(`dry run: ${count('archive')} run(s) would be archived, ${count('erase')} erased`);
            return;
          }
          const bar = rateBar(ctx.io, 'retention', 'runs');
          let summary;
          try {
            summary = await applyRetention(plan, {
              store: rt.store,
              now,
              onProgress: (done, total) => bar.update(done, total),
            });
          } finally {
            bar.stop();
          }
          if (summary.erased > 0 && rt.store.kind === 'postgres') await vacuumErased(rt.pool, ['events']);
          ctx.out(
            `archived ${summary.archived}, erased ${summary.erased}, skipped ${summary.skipped} ` +
              `(new activity since the plan) of ${plan.length} planned run(s)`,
          );
        });
      }),
    );
}

function policyOf(opts: RetentionOptions): RetentionPolicy {
  const given = opts.archiveAfter !== undefined || opts.eraseAfter !== undefined;
  const base = given ? null : policyFromConfig(loadConfig({ LEDGER_LOG_LEVEL: 'warn', ...process.env }));
  if (!given && !base)
    throw new CliError('nothing to do: give --archive-after and/or --erase-after, or set LEDGER_RETENTION_*');
  const days = (v: string | undefined, what: string) => {
    if (v === undefined) return undefined;
    try {
      return parseDays(v, what);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  };
  return {
    ...(base ?? {
      archiveAfterDays: days(opts.archiveAfter, '--archive-after'),
      eraseAfterDays: days(opts.eraseAfter, '--erase-after'),
    }),
    onlySourceType: opts.sourceType,
    ...(opts.includeStarred && { includeStarred: true }),
  };
}
