/* Runs `rebuild()` of @ledger/projections in its own process (so its peak RSS is its own) over DATABASE_URL,
 * and prints one JSON line: { events, ms, peakRssKb }. With the argument `scan`, runs the keyset-scan baseline
 * instead and prints its RateResult: the baseline reads the log in a fresh process too, as the rebuild does (in
 * the bench's own process, whose heap holds the earlier scenarios' results, its collections were slower). With
 * `log-read`, reads the log the way the rebuild does (`logBatches`: COPY on PostgreSQL) and folds nothing: what the
 * rebuild's own read costs, beside the keyset scan the target is set against. */
import { createPool } from '@ledger/database';
import { logBatches, PostgresEventStore } from '@ledger/event-store';
import { rebuild } from '@ledger/projections';
import { baselineScan } from './baselines';
import { procStatusKb } from './support';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  if (process.argv[2] === 'scan') {
    process.stdout.write(`${JSON.stringify(await baselineScan(url))}\n`);
    return;
  }
  const pool = createPool(url, 4);
  const store = new PostgresEventStore(pool);
  if (process.argv[2] === 'log-read') {
    const t0 = performance.now();
    let rows = 0;
    for await (const batch of logBatches(store, null, 1000)) rows += batch.length;
    const seconds = (performance.now() - t0) / 1000;
    await store.close();
    await pool.end();
    process.stdout.write(`${JSON.stringify({ rows, seconds, perSec: rows / seconds })}\n`);
    return;
  }
  const started = performance.now();
  const result = await rebuild({
    store,
    pool,
    pageSize: process.env.BENCH_PAGE_SIZE ? Number(process.env.BENCH_PAGE_SIZE) : undefined,
  });
  const ms = performance.now() - started;
  const peakRssKb = procStatusKb('self', 'VmHWM');
  await store.close();
  await pool.end();
  process.stdout.write(`${JSON.stringify({ events: result.events, ms, peakRssKb })}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`rebuild-child failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
