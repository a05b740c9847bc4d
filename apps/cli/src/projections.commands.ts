import type { Command } from 'commander';
import { canonicalJson } from '@ledger/domain';
import {
  NotQuarantined,
  projectionStatus,
  readCheckpoints,
  rebuild,
  retryQuarantined,
  skipQuarantined,
  verify,
} from '@ledger/projections';
import { failure } from './cli-io';
import { table } from './text-table';
import type { CliContext } from './cli-context';
import { rateBar } from './progress';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `ledger projections rebuild|status|retry|skip|verify`. */
export function registerProjections(program: Command, ctx: CliContext): void {
  const projections = program
    .command('projections')
    .description('the read models (ai_runs, ai_tasks, usage_daily): rebuild, status, retry, skip, verify');

  projections
    .command('rebuild')
    .description(
      'rebuild the read models from the event store without downtime (shadow tables, then one swap)',
    )
    .option('--name <name>', 'the projection', 'runs')
    .addHelpText('after', '\nExample:\n  $ ledger projections rebuild')
    .action(
      ctx.action(async (opts: { name: string }) => {
        if (opts.name !== 'runs') failure(`no projection named ${opts.name} (there is one: runs)`);
        await ctx.withRuntime(async (rt) => {
          const bar = rateBar(ctx.io, 'rebuild', 'events');
          try {
            const result = await rebuild({
              store: rt.store,
              pool: rt.pool,
              name: opts.name,
              onProgress: (done, total) => bar.update(done, total),
            });
            bar.stop();
            const rate = Math.round(result.events / Math.max(0.001, result.ms / 1000));
            ctx.out(`rebuilt ${result.name}: ${result.events} events in ${result.ms} ms (${rate} events/s)`);
            if (result.quarantined)
              ctx.out(`${result.quarantined} run(s) quarantined: see ledger projections status`);
          } finally {
            bar.stop();
          }
        });
      }),
    );

  projections
    .command('status')
    .description('each projection: checkpoint position, lag in events and in ms, state, quarantined runs')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ ledger projections status')
    .action(
      ctx.action(async (opts: { json?: boolean }) => {
        await ctx.withRuntime(async (rt) => {
          const checkpoints = await readCheckpoints(rt.pool);
          const names = checkpoints.length ? checkpoints.map((c) => c.name) : ['runs'];
          const rows = [];
          for (const name of names) rows.push(await projectionStatus(rt.store, rt.pool, name));
          if (opts.json) return ctx.out(JSON.stringify({ projections: rows }, null, 2));
          ctx.out(
            table(
              ['NAME', 'POSITION', 'LAG (events)', 'LAG (ms)', 'STATE', 'ERROR'],
              rows.map((r) => [r.name, r.position, String(r.lag), String(r.lagMs), r.state, r.error ?? '']),
              new Set([2, 3]),
            ),
          );
          const quarantined = rows.flatMap((r) => r.quarantined.map((q) => ({ name: r.name, ...q })));
          if (quarantined.length)
            ctx.out(
              '\n' +
                table(
                  ['PROJECTION', 'QUARANTINED RUN', 'POSITION', 'ERROR'],
                  quarantined.map((q) => [q.name, q.runId, q.position, q.error]),
                ),
            );
        });
      }),
    );

  for (const [action, description, run] of [
    ['retry', 'fold a quarantined run again from its stream (after a fix)', retryQuarantined],
    [
      'skip',
      'leave out the event a quarantined run stopped at (in every fold, rebuilds included), then retry it',
      skipQuarantined,
    ],
  ] as const)
    projections
      .command(`${action} <runId>`)
      .description(description)
      .option('--name <name>', 'the projection', 'runs')
      .addHelpText(
        'after',
        `\nExample:\n  $ ledger projections ${action} 0b7f3c4e-2d7a-4d55-9d3e-6f1a2b3c4d5e`,
      )
      .action(
        ctx.action(async (runId: string, opts: { name: string }) => {
          if (!UUID.test(runId)) failure(`not a run id: ${runId}`);
          await ctx.withRuntime(async (rt) => {
            try {
              const result = await run({ store: rt.store, pool: rt.pool, name: opts.name, runId });
              if (result.skippedEventId) ctx.out(`skipped event ${result.skippedEventId}`);
              if (result.state === 'running') return ctx.out(`run ${runId} projects again`);
              failure(
                `run ${runId} is still quarantined at ${result.quarantined!.position}: ${result.quarantined!.error}`,
              );
            } catch (error) {
              if (error instanceof NotQuarantined) failure(error.message);
              throw error;
            }
          });
        }),
      );

  projections
    .command('verify')
    .description(
      'fold every run from the log and compare with the rows; prints each mismatch, exit code 1 when any',
    )
    .option('--max <n>', 'stop after this many mismatches', '1000')
    .addHelpText('after', '\nExample:\n  $ ledger projections verify && echo consistent')
    .action(
      ctx.action(async (opts: { max: string }) => {
        const max = Number(opts.max);
        if (!Number.isInteger(max) || max < 1) failure('--max must be a positive integer');
        await ctx.withRuntime(async (rt) => {
          const result = await verify({ store: rt.store, pool: rt.pool, maxMismatches: max });
          for (const m of result.mismatches)
            ctx.out(
              `mismatch run ${m.runId} ${m.field}: expected ${short(m.expected)}, actual ${short(m.actual)}`,
            );
          const note = result.quarantined
            ? ` (${result.quarantined} quarantined, compared up to their event)`
            : '';
          ctx.out(`verified ${result.runs} runs${note}: ${result.mismatches.length} mismatches`);
          if (result.mismatches.length > 0)
            failure(`${result.mismatches.length} mismatch(es) between the log and the read models`);
        });
      }),
    );
}

function short(value: unknown): string {
  const text = canonicalJson(value ?? null);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
