import type { Command } from 'commander';
import type { CliContext } from './main';
import { registerExport } from './export.command';
import { registerPrices } from './prices.commands';
import { registerProjections } from './projections.commands';
import { registerReplay } from './replay.command';
import { registerRuns } from './runs.commands';
import { registerStore } from './store.commands';
import { registerUsage } from './usage.command';

/** Read-side and operator commands: replay, export, projections, usage, prices, store, runs. */
export function registerReadCommands(program: Command, ctx: CliContext): void {
  registerReplay(program, ctx);
  registerExport(program, ctx);
  registerProjections(program, ctx);
  registerUsage(program, ctx);
  registerPrices(program, ctx);
  registerStore(program, ctx);
  registerRuns(program, ctx);
}
