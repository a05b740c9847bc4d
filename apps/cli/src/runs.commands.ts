import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { eventIdFor, SCHEMA_VERSION, toRunStreamId } from '@ledger/domain';
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
      ctx.action(async (opts: { user: string; dryRun?: boolean }) => {
        const user = uuidOption(opts.user, '--user');
        await ctx.withRuntime(async (rt) => {
          const ids = await rt.store.runIdsOfUser(user);
          if (opts.dryRun) {
            for (const id of ids) ctx.out(id);
            ctx.out(`${ids.length} run(s) would be erased`);
            return;
          }
          const commandId = randomUUID();
          const recordedAt = new Date().toISOString();
          let erased = 0;
          for (const [i, runId] of ids.entries()) {
            await rt.store.eraseStream(toRunStreamId(runId), {
              id: eventIdFor(user, commandId, i),
              type: 'RunDeleted',
              data: { runId },
              metadata: {
                userId: user,
                commandId,
                recordedAt,
                schemaVersion: SCHEMA_VERSION,
                command: 'runs.erase',
              },
            });
            erased += 1;
          }
          ctx.out(`erased ${erased} run(s) of user ${user}`);
        });
      }),
    );
}
