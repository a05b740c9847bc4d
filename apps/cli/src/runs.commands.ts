import type { Command } from 'commander';
import { handleRunCommand, operatorRequest } from '@ledger/operations';
import type { LedgerRuntime } from '@ledger/runtime';
import { uuidOption } from './options';
import type { CliContext } from './cli-context';

/** `ledger runs erase --user <id>`: the right to be forgotten. */
export function registerRuns(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('operations on runs');
  runs
    .command('erase')
    .description(
      'erase every run of a user: each stream keeps only a RunDeleted tombstone; the projector then removes the rows',
    )
    .requiredOption('--user <uuid>', 'the user whose runs are erased')
    .option('--dry-run', 'only list the runs that would be erased')
    .addHelpText('after', '\nExample:\n  $ ledger runs erase --user 7f1c…-…')
    .action(
      ctx.action((opts: { user: string; dryRun?: boolean }) =>
        ctx.withRuntime((rt) =>
          eraseUserRuns(rt, ctx, uuidOption(opts.user, '--user'), Boolean(opts.dryRun)),
        ),
      ),
    );
}

/**
 * Erases (or, dry, lists) every run of a user, one by one through the run decider (`runs.erase`) in the user's
 * name and written as the server writes a `run.delete`: the stream keeps its tombstone alone.
 */
async function eraseUserRuns(
  rt: LedgerRuntime,
  ctx: CliContext,
  user: string,
  dryRun: boolean,
): Promise<void> {
  const ids = await rt.store.runIdsOfUser(user);
  if (dryRun) {
    for (const id of ids) ctx.out(id);
    ctx.out(`${ids.length} run(s) would be erased`);
    return;
  }
  const now = new Date().toISOString();
  let erased = 0;
  for (const runId of ids) {
    const { events } = await handleRunCommand(rt.store, runId, rt.pricing, () =>
      operatorRequest('runs.erase', { runId }, user, now),
    );
    if (events.length > 0) erased += 1;
  }
  ctx.out(`erased ${erased} run(s) of user ${user}`);
}
