import type { Command } from 'commander';
import { migrate, createPool } from '@ledger/database';
import { copyStore, EventStoreDbEventStore, PostgresEventStore, type EventStore } from '@ledger/event-store';
import { usage } from './cli-io';
import type { CliContext } from './cli-context';
import { rateBar } from './progress';

type Kind = 'postgres' | 'eventstoredb';

/** `ledger store copy`: every run stream from one event store to another (e.g. to switch stores). */
export function registerStore(program: Command, ctx: CliContext): void {
  const store = program.command('store').description('the event store');
  store
    .command('copy')
    .description(
      'copy every run stream, ids and metadata kept, from one event store to another; re-running tops up',
    )
    .requiredOption('--from <kind>', 'postgres or eventstoredb')
    .requiredOption('--to <kind>', 'postgres or eventstoredb')
    .option(
      '--from-url <url>',
      'the source (default: DATABASE_URL for postgres, EVENTSTORE_URL for eventstoredb)',
    )
    .option(
      '--to-url <url>',
      'the target (default: DATABASE_URL for postgres, EVENTSTORE_URL for eventstoredb)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ EVENTSTORE_URL=esdb://localhost:2113?tls=false ledger store copy --from postgres --to eventstoredb',
    )
    .action(
      ctx.action(async (opts: { from: string; to: string; fromUrl?: string; toUrl?: string }) => {
        const from = kindOf(opts.from, '--from');
        const to = kindOf(opts.to, '--to');
        const fromUrl = opts.fromUrl ?? defaultUrl(from, '--from-url');
        const toUrl = opts.toUrl ?? defaultUrl(to, '--to-url');
        if (from === to && fromUrl === toUrl) usage('the source and the target are the same store');
        const opened: Array<() => Promise<void>> = [];
        try {
          const source = await open(from, fromUrl, opened);
          const target = await open(to, toUrl, opened);
          const total = await source.countAfter(null, Number.MAX_SAFE_INTEGER);
          const bar = rateBar(ctx.io, 'copy', 'events');
          let read = 0;
          const result = await copyStore({
            from: source,
            to: target,
            pageSize: 1000,
            onProgress: (events) => {
              read = Math.min(total, read + 1000);
              bar.update(Math.max(events, read), total);
            },
          });
          bar.stop();
          ctx.out(`copied ${result.events} event(s) in ${result.streams} stream(s) from ${from} to ${to}`);
        } finally {
          for (const close of opened.reverse()) await close().catch(() => undefined);
        }
      }),
    );
}

function kindOf(value: string, name: string): Kind {
  if (value !== 'postgres' && value !== 'eventstoredb') usage(`${name} must be postgres or eventstoredb`);
  return value as Kind;
}

function defaultUrl(kind: Kind, option: string): string {
  const url = kind === 'postgres' ? process.env.DATABASE_URL : process.env.EVENTSTORE_URL;
  if (!url)
    usage(`${option} is required (or set ${kind === 'postgres' ? 'DATABASE_URL' : 'EVENTSTORE_URL'})`);
  return url as string;
}

async function open(kind: Kind, url: string, opened: Array<() => Promise<void>>): Promise<EventStore> {
  if (kind === 'eventstoredb') {
    const store = await EventStoreDbEventStore.connect(url);
    opened.push(() => store.close());
    return store;
  }
  await migrate(url);
  const pool = createPool(url, 5);
  const store = new PostgresEventStore(pool, url);
  opened.push(async () => {
    await store.close();
    await pool.end();
  });
  return store;
}
