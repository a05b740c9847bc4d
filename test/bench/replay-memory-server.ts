/* The real ledger in a child process started with --expose-gc, for test/bench/replay-memory.ts: it answers
 * the parent's 'heap' message with its heap after a full collection, so the figure is live memory only. */
import { startLedger } from '../../apps/ledger/src/bootstrap';
import { ReadService } from '../../apps/ledger/src/read/read.service';

declare const gc: (() => void) | undefined;

async function main(): Promise<void> {
  const ledger = await startLedger(process.env);
  // Older code has no replay counter: report -1 there.
  const replays = (ledger.app.get(ReadService) as { replays?: { active: number } }).replays;
  process.on('message', (message: unknown) => {
    if (message === 'heap') {
      gc?.();
      const m = process.memoryUsage();
      process.send?.({
        heapUsed: m.heapUsed,
        external: m.external,
        rss: m.rss,
        replays: replays?.active ?? -1,
      });
    }
    if (message === 'stop') void ledger.close().then(() => process.exit(0));
  });
  process.send?.({ url: ledger.url });
}

main().catch((error: Error) => {
  process.stderr.write(`replay-memory-server failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
