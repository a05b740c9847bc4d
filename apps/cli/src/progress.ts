import { SingleBar } from 'cli-progress';
import type { CliIo } from './cli-io';

/** A progress bar on stderr with a rate (per second) and ETA; silent when stderr is not a terminal. */
export function rateBar(io: CliIo, label: string, unit: string) {
  const bar = new SingleBar({
    stream: io.stderr,
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    etaBuffer: 50,
    hideCursor: false,
  });
  const started = Date.now();
  let running = false;
  return {
    update(done: number, total: number) {
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      if (!running) {
        bar.start(Math.max(total, 1), done, { rate });
        running = true;
      }
      bar.setTotal(Math.max(total, done, 1));
      bar.update(done, { rate });
    },
    stop() {
      if (running) bar.stop();
    },
  };
}
