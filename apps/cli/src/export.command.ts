import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '@ledger/config';
import type { RecordedEvent } from '@ledger/event-store';
import { toRunStreamId } from '@ledger/domain';
import { toOtel } from '@ledger/otel';
import { failure, usage } from './cli-io';
import { uuidOption } from './options';
import type { CliContext } from './cli-context';
import { parseOtlpHeaders, postOtlp } from './otlp-http';

interface ExportOptions {
  user?: string;
  format: string;
  out?: string;
  otlpEndpoint?: string;
}

/** `ledger export`: a run's (or a user's runs') events as JSON lines, or as OpenTelemetry GenAI spans. */
export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description(
      'export a run (or every run of a user) as JSONL events or OpenTelemetry GenAI spans (OTLP/JSON)',
    )
    .argument('[runId]', 'the run id (UUID); or give --user')
    .option('--user <uuid>', 'export every run of this user (a progress bar on stderr)')
    .option(
      '--format <format>',
      'jsonl (one event per line) or otel (one OTLP/JSON document per run, per line)',
      'jsonl',
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .option(
      '--otlp-endpoint <url>',
      'with --format otel, also POST each run to this OTLP/HTTP endpoint (<url>/v1/traces; default LEDGER_OTLP_ENDPOINT)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ ledger export 3f0c…-… > run.jsonl\n  $ ledger export --user 7f1c…-… --format otel --out spans.jsonl',
    )
    .action(
      ctx.action(async (runIdArg: string | undefined, opts: ExportOptions) => {
        if ((runIdArg === undefined) === (opts.user === undefined))
          usage('give a runId or --user <uuid> (one of them)');
        if (opts.format !== 'jsonl' && opts.format !== 'otel')
          usage(`--format must be jsonl or otel, not "${opts.format}"`);
        const runId = runIdArg === undefined ? undefined : uuidOption(runIdArg, 'runId');
        const user = opts.user === undefined ? undefined : uuidOption(opts.user, '--user');
        const config = loadConfig({ LEDGER_LOG_LEVEL: 'warn', ...process.env });
        const otlp = opts.format === 'otel' ? (opts.otlpEndpoint ?? config.LEDGER_OTLP_ENDPOINT) : undefined;
        const otlpHeaders = parseOtlpHeaders(config.LEDGER_OTLP_HEADERS);
        let sent = 0;
        await ctx.withRuntime(async (rt) => {
          const runIds = runId ? [runId] : await rt.store.runIdsOfUser(user as string);
          const file = opts.out ? createWriteStream(opts.out) : null;
          const sink = file ?? ctx.io.stdout;
          const write = async (text: string) => {
            if (!sink.write(text)) await once(sink, 'drain');
          };
          const bar =
            user !== undefined
              ? new SingleBar({
                  stream: ctx.io.stderr,
                  format: 'export [{bar}] {value}/{total} runs | {events} events | ETA {eta_formatted}',
                  hideCursor: false,
                })
              : null;
          bar?.start(runIds.length, 0, { events: 0 });
          let events = 0;
          try {
            for (const id of runIds) {
              const stream = await rt.store.readStream(toRunStreamId(id));
              if (runId && stream.length === 0) failure(`run ${id} not found`);
              if (opts.format === 'jsonl') {
                for (const e of stream) await write(`${JSON.stringify(toJsonl(e))}\n`);
              } else {
                const doc = toOtel(stream);
                if (doc) {
                  await write(`${JSON.stringify(doc)}\n`);
                  if (otlp) {
                    await postOtlp(otlp, doc, otlpHeaders);
                    sent += 1;
                  }
                }
              }
              events += stream.length;
              bar?.increment(1, { events });
            }
          } finally {
            bar?.stop();
            if (file) {
              file.end();
              await once(file, 'close');
            }
          }
          if (opts.out) ctx.err(`exported ${runIds.length} run(s), ${events} events to ${opts.out}`);
          if (otlp) ctx.err(`sent ${sent} trace(s) to ${otlp}`);
        });
      }),
    );
}

export interface ExportedEvent {
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: unknown;
}

export function toJsonl(e: RecordedEvent): ExportedEvent {
  return { streamId: e.streamId, version: e.revision, type: e.type, data: e.data, metadata: e.metadata };
}
