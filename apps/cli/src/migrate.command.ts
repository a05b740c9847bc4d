import type { Command } from 'commander';
import { migrate } from '@ledger/database';
import type { CliContext } from './cli-context';

/** `ledger migrate`: applies pending migrations without starting the server. */
export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply pending database migrations (the server also does this on start)')
    .action(
      ctx.action(async () => {
        await ctx.withRuntime(async (rt) => {
          const applied = await migrate(rt.databaseUrl);
          ctx.out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
        });
      }),
    );
}
