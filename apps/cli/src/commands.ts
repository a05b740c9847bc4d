import type { Command } from 'commander';
import type { CliContext } from './cli-context';
import { registerBudget } from './budget.commands';
import { registerExport } from './export.command';
import { registerMigrate } from './migrate.command';
import { registerOpen } from './open.command';
import { registerPrices } from './prices.commands';
import { registerProjections } from './projections.commands';
import { registerReplay } from './replay.command';
import { registerRetention } from './retention.command';
import { registerRuns } from './runs.commands';
import { registerStore } from './store.commands';
import { registerToken } from './token.command';
import { registerUsage } from './usage.command';

/** Every `ledger` command, in the order `--help` lists them. A new command adds one line here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerMigrate(program, ctx);
  registerToken(program, ctx);
  registerReplay(program, ctx);
  registerExport(program, ctx);
  registerProjections(program, ctx);
  registerUsage(program, ctx);
  registerPrices(program, ctx);
  registerStore(program, ctx);
  registerRuns(program, ctx);
  registerOpen(program, ctx);
  registerBudget(program, ctx);
  registerRetention(program, ctx);
}
