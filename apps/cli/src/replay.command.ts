import type { Command } from 'commander';
import type { RecordedEvent } from '@ledger/event-store';
import { toRunStreamId, type Cost, type RunEvent, type TaskCreatedData } from '@ledger/domain';
import { dueTimes, pace, replayEvents } from '@ledger/replay';
import { failure, usage } from './cli-io';
import { uuidOption } from './options';
import { type Style } from './style';
import type { CliContext } from './cli-context';

export interface ReplayOptions {
  speed?: string;
  fromVersion?: string;
  user?: string;
}

/** `ledger replay <runId>`: the conversation printed as it streamed, at its original pace (docs/protocol.md §4). */
export function registerReplay(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description(
      'print a run as it streamed: user messages, assistant text chunk by chunk at the original pace, a footer per task',
    )
    .argument('<runId>', 'the run id (UUID)')
    .option('--speed <n>', '1 = original timing, 10 = ten times faster, 0 = all at once', '1')
    .option('--from-version <n>', 'start at this stream version (inclusive)')
    .option('--user <uuid>', 'only if the run belongs to this user')
    .addHelpText('after', '\nExample:\n  $ ledger replay 3f0c…-… --speed 4')
    .action(
      ctx.action(async (runIdArg: string, opts: ReplayOptions) => {
        const runId = uuidOption(runIdArg, 'runId');
        const speed = Number(opts.speed ?? '1');
        if (!Number.isFinite(speed) || speed < 0) usage('--speed must be a number ≥ 0');
        const fromVersion = opts.fromVersion === undefined ? 0 : Number(opts.fromVersion);
        if (!Number.isInteger(fromVersion) || fromVersion < 0) usage('--from-version must be an integer ≥ 0');
        const user = opts.user === undefined ? undefined : uuidOption(opts.user, '--user');
        await ctx.withRuntime(async (rt) => {
          const events = await rt.store.readStream(toRunStreamId(runId));
          const started = events.find((e) => e.type === 'RunStarted');
          if (
            events.length === 0 ||
            (user !== undefined && started?.type === 'RunStarted' && started.data.userId !== user)
          )
            failure(`run ${runId} not found`);
          if (!started && events.some((e) => e.type === 'RunDeleted')) failure(`run ${runId} was erased`);
          await replayToTerminal(events, {
            speed,
            fromVersion,
            maxGapMs: rt.config.LEDGER_REPLAY_MAX_GAP_MS,
            write: (s) => void ctx.io.stdout.write(s),
            style: ctx.style,
          });
        });
      }),
    );
}

export interface TerminalReplayOptions {
  speed: number;
  fromVersion?: number;
  /** Idle gaps longer than this (after division by speed) are shortened to it, as the server does (default: none). */
  maxGapMs?: number;
  write(text: string): void;
  style: Style;
}

/** Paces the run's frames with the server's `dueTimes`/`pace` and renders each one. Resolves with the frames shown. */
export async function replayToTerminal(
  stored: readonly RecordedEvent[],
  options: TerminalReplayOptions,
): Promise<number> {
  const events = replayEvents(stored);
  const due = dueTimes(events);
  const start = events.findIndex((e) => e.revision >= (options.fromVersion ?? 0));
  const renderer = new TerminalRenderer(options.write, options.style);
  // Tasks created before the starting version are still known to the renderer (model, user message).
  for (const e of start < 0 ? events : events.slice(0, start)) renderer.learn(e);
  if (start < 0) return 0;
  const pacing = { speed: options.speed, maxGapMs: options.maxGapMs ?? Infinity };
  const sent = await pace(events.slice(start), due.slice(start), pacing, {
    emit: (e) => renderer.render(e),
    closed: false,
  });
  renderer.end();
  return sent;
}

interface TaskInfo {
  created: TaskCreatedData;
}

/** Turns a run's events into terminal text: user/assistant turns, dim markers, a footer per ended task. */
export class TerminalRenderer {
  private readonly tasks = new Map<string, TaskInfo>();
  /** The task whose assistant text is being printed (the cursor is mid-line in it), or null. */
  private current: string | null = null;
  private midLine = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly s: Style,
  ) {}

  learn(e: RunEvent): void {
    if (e.type === 'TaskCreated') this.tasks.set(e.data.taskId, { created: e.data });
  }

  render(e: RunEvent): void {
    const { s } = this;
    switch (e.type) {
      case 'RunStarted': {
        const d = e.data;
        this.line(
          s.bold(`▶ ${d.name}`) +
            s.dim(`  run ${d.runId} · ${d.sourceType} · user ${d.userId} · ${d.startedAt}`),
        );
        break;
      }
      case 'TaskCreated': {
        const d = e.data;
        this.learn(e);
        this.line('');
        this.line(s.dim(`── ${d.taskName} · ${d.provider}/${d.model} · task ${d.taskId}`));
        if (d.userMessage) this.line(`${s.bold(s.cyan('user'))}: ${d.userMessage.content}`);
        break;
      }
      case 'ChunkReceived': {
        const d = e.data;
        if (this.current !== d.taskId) {
          this.breakLine();
          const task = this.tasks.get(d.taskId);
          this.write(`${s.bold(s.green('assistant'))}${task ? s.dim(` (${task.created.model})`) : ''}: `);
          this.current = d.taskId;
          this.midLine = true;
        }
        if ((d.kind ?? 'text') === 'text') {
          const text = d.text ?? '';
          this.write(text);
          if (text.length) this.midLine = !text.endsWith('\n');
        } else {
          this.breakLine();
          this.line(s.dim(`  [${d.kind}] ${oneLine(d.payload)}`));
          // The assistant's text continues on the next line.
          this.current = d.taskId;
        }
        break;
      }
      case 'TaskCompleted': {
        const d = e.data;
        this.endTask();
        this.line(
          s.dim(
            `   ✓ ${d.usage.totalTokens} tokens (${d.usage.inputTokens} in, ${d.usage.outputTokens} out${d.usage.cachedInputTokens ? `, ${d.usage.cachedInputTokens} cached` : ''}${d.usage.reasoningTokens ? `, ${d.usage.reasoningTokens} reasoning` : ''}${d.usageSource === 'estimated' ? ', estimated' : ''})` +
              ` · ${costText(d.cost)} · first token ${ms(d.timeToFirstTokenMs)} · total ${ms(d.totalTimeMs)}` +
              (d.finishReason ? ` · ${d.finishReason}` : ''),
          ),
        );
        break;
      }
      case 'TaskFailed': {
        const d = e.data;
        this.endTask();
        this.line(s.red(`   ✗ failed: ${d.error.code}: ${d.error.message}`));
        this.line(
          s.dim(
            `   ${d.usage ? `${d.usage.totalTokens} tokens (${d.usage.inputTokens} in, ${d.usage.outputTokens} out)` : 'no usage'} · ${costText(d.cost ?? null)} · total ${ms(d.totalTimeMs)}`,
          ),
        );
        break;
      }
      case 'TaskRepriced': {
        const d = e.data;
        this.marker(
          `task ${d.taskId} repriced: ${costText(d.previousCost)} → ${costText(d.cost)} (${d.reason})`,
        );
        break;
      }
      case 'RunRenamed':
        this.marker(`renamed: ${e.data.name}`);
        break;
      case 'RunStarred':
      case 'RunUnstarred':
      case 'RunArchived':
        this.marker(e.type.replace(/^Run/, '').toLowerCase());
        break;
      case 'RunDeleted':
        this.marker('run erased');
        break;
      case 'ShareCreated': {
        // The link's token is never stored (only its hash), so the link is named by its share id.
        const d = e.data;
        const extra = d.include.includes('requestData') ? ' (with request data)' : '';
        this.marker(`shared: link ${d.shareId}${extra}, expires ${d.expiresAt}`);
        break;
      }
      case 'ShareRevoked':
        this.marker(`share link ${e.data.shareId} revoked`);
        break;
      default:
        this.marker(e.type);
    }
  }

  end(): void {
    this.breakLine();
  }

  private endTask(): void {
    this.breakLine();
    this.current = null;
  }
  private marker(text: string): void {
    this.breakLine();
    this.line(this.s.dim(`   · ${text}`));
  }
  private breakLine(): void {
    if (this.midLine) this.write('\n');
    this.midLine = false;
    if (this.current !== null) this.current = null;
  }
  private line(text: string): void {
    this.write(`${text}\n`);
    this.midLine = false;
  }
}

function oneLine(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

export function costText(cost: Cost | null | undefined): string {
  if (!cost || cost.amount === null) return 'unpriced';
  return `$${cost.amount}`;
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value} ms`;
}
