import type { ResumedRun, RunView as RunRow, TaskView } from '@run-ledger/client';
import { Fragment, useState, type ReactNode } from 'react';
import { useLedger } from './context';
import { downloadText, runToOtlp } from './export';
import { Cost } from './cost';
import { formatTime, formatTokens } from './format';
import { Markdown } from './markdown';
import { framesToJsonl } from './replay-fold';
import { useLedgerStyles } from './styles';
import { TaskCard } from './task-card';
import { useRun } from './use-run';

export interface RunViewProps {
  runId: string;
  /** Called with the resumed run (handle + messages in OpenAI/Anthropic formats) when Resume is pressed. */
  onResume?(resumed: ResumedRun): void;
  /** Called when Replay is pressed (e.g. to show a `<ReplayPlayer>`). */
  onReplay?(runId: string): void;
  /** Called once the run is deleted. */
  onDeleted?(runId: string): void;
  /** Shown between the actions and the conversation (the dashboard puts its `<ReplayPlayer>` there). */
  replay?: ReactNode | ((run: RunRow) => ReactNode);
  /** Without Rename, Star, Archive and Delete (a shared run's page: the viewer may not change it). */
  readOnly?: boolean;
}

/** What a task streamed before it ended without an answer message: kept, marked partial, beside its error. */
function PartialAnswer({ task }: { task: TaskView }) {
  return (
    <article className="rl-msg rl-msg-assistant" aria-label="assistant message, partial (the task failed)">
      <div className="rl-muted">
        assistant · {task.model} · <span className="rl-status rl-status-failed">failed</span> · partial
        response
      </div>
      <div className="rl-md" data-partial-task={task.taskId}>
        <p style={{ whiteSpace: 'pre-wrap' }}>{task.responseText}</p>
      </div>
      {task.error && (
        <p className="rl-error">
          {task.error.code}: {task.error.message}
        </p>
      )}
    </article>
  );
}

/**
 * The conversation: recorded messages, each failed task's partial answer after its own messages (a failed task
 * records no answer message, only the text it streamed), then the answer of each task still streaming, growing live.
 */
function Conversation({ run, tasks }: { run: RunRow; tasks: TaskView[] }) {
  const open = tasks.filter((t) => t.status === 'pending' || t.status === 'streaming');
  const partial = tasks.filter((t) => t.status === 'failed' && t.responseText !== '');
  const lastMessageOf = new Map<string, number>();
  run.messages.forEach((m, i) => {
    if (typeof m.metadata.taskId === 'string') lastMessageOf.set(m.metadata.taskId, i);
  });
  const partialAfter = (i: number) => partial.filter((t) => lastMessageOf.get(t.taskId) === i);
  return (
    <section aria-label="Conversation">
      {run.messages.map((m, i) => (
        <Fragment key={i}>
          <article className={`rl-msg rl-msg-${m.role}`} aria-label={`${m.role} message`}>
            <div className="rl-muted">
              {m.role} · {formatTime(m.timestamp)}
              {typeof m.metadata.model === 'string' && ` · ${m.metadata.model}`}
            </div>
            <Markdown text={m.content} />
          </article>
          {partialAfter(i).map((t) => (
            <PartialAnswer key={t.taskId} task={t} />
          ))}
        </Fragment>
      ))}
      {partial
        .filter((t) => !lastMessageOf.has(t.taskId))
        .map((t) => (
          <PartialAnswer key={t.taskId} task={t} />
        ))}
      {open.map((t) => (
        <article
          key={t.taskId}
          className="rl-msg rl-msg-assistant"
          aria-label="assistant message, streaming"
          aria-busy="true"
        >
          <div className="rl-muted">assistant · {t.model} · streaming</div>
          <div className="rl-md" data-streaming-task={t.taskId}>
            <p style={{ whiteSpace: 'pre-wrap' }}>{t.responseText}</p>
          </div>
        </article>
      ))}
    </section>
  );
}

/** A run, live: its conversation, its tasks' facts, and the buttons Rename, Star, Archive, Delete, Resume, Replay, Export. */
export function RunView({ runId, onResume, onReplay, onDeleted, replay, readOnly }: RunViewProps) {
  useLedgerStyles();
  const ledger = useLedger();
  const { run, tasks, loading, error, gone } = useRun(runId);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const act = async (label: string, action: () => Promise<unknown>) => {
    setBusy(label);
    setFailure(null);
    try {
      await action();
    } catch (e) {
      setFailure(`${label} failed: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  if (gone)
    return (
      <div className="rl-root">
        <p role="status">There is no such run (it was deleted, or it is not yours).</p>
      </div>
    );
  if (error)
    return (
      <div className="rl-root">
        <p className="rl-error" role="alert">
          Could not load the run: {error.message}
        </p>
      </div>
    );
  if (loading || !run)
    return (
      <div className="rl-root">
        <p role="status">Loading the run…</p>
      </div>
    );
  const handle = ledger.run(runId);

  return (
    <div className="rl-root">
      <h2 style={{ marginBottom: 4 }}>{run.name}</h2>
      <p className="rl-muted" style={{ marginTop: 0 }}>
        {run.sourceType} · {run.taskCount} task(s) · {formatTokens(run.totalTokens)} tokens ·{' '}
        <Cost amount={run.totalCost} />
        {run.unpricedTaskCount > 0 && ` + ${run.unpricedTaskCount} unpriced task(s)`}
        {run.archived && ' · archived'} · version {run.version}
      </p>
      <div className="rl-toolbar" role="toolbar" aria-label="Run actions">
        {!readOnly && (
          <>
            <button
              className="rl-btn"
              type="button"
              onClick={() => setRenaming(run.name)}
              disabled={busy !== null}
            >
              Rename
            </button>
            <button
              className="rl-btn"
              type="button"
              aria-pressed={run.starred}
              disabled={busy !== null}
              onClick={() => act('Star', () => handle.star(!run.starred))}
            >
              Star
            </button>
            <button
              className="rl-btn"
              type="button"
              disabled={busy !== null || run.archived}
              onClick={() => act('Archive', () => handle.archive())}
            >
              Archive
            </button>
            <button
              className="rl-btn rl-btn-danger"
              type="button"
              disabled={busy !== null}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          </>
        )}
        {onResume && (
          <button
            className="rl-btn"
            type="button"
            disabled={busy !== null}
            onClick={() => act('Resume', async () => onResume(await ledger.resumeRun(runId)))}
          >
            Resume
          </button>
        )}
        {onReplay && (
          <button className="rl-btn rl-btn-primary" type="button" onClick={() => onReplay(runId)}>
            Replay
          </button>
        )}
        <button
          className="rl-btn"
          type="button"
          disabled={busy !== null}
          onClick={() =>
            act('Export', async () => {
              const frames = [];
              for await (const f of ledger.replay(runId, { speed: 0 })) frames.push(f);
              downloadText(`run-${runId}.jsonl`, framesToJsonl(frames), 'application/x-ndjson');
            })
          }
        >
          Export JSONL
        </button>
        <button
          className="rl-btn"
          type="button"
          onClick={() =>
            downloadText(
              `run-${runId}.otlp.json`,
              JSON.stringify(runToOtlp(run, tasks), null, 2),
              'application/json',
            )
          }
        >
          Export OTel
        </button>
      </div>
      {renaming !== null && (
        <form
          className="rl-toolbar"
          aria-label="Rename the run"
          onSubmit={(e) => {
            e.preventDefault();
            const name = renaming.trim();
            if (name) void act('Rename', () => handle.rename(name)).then(() => setRenaming(null));
          }}
        >
          <label>
            New name{' '}
            <input
              className="rl-input"
              autoFocus
              value={renaming}
              onChange={(e) => setRenaming(e.target.value)}
              maxLength={500}
            />
          </label>
          <button className="rl-btn rl-btn-primary" type="submit">
            Save name
          </button>
          <button className="rl-btn" type="button" onClick={() => setRenaming(null)}>
            Cancel
          </button>
        </form>
      )}
      {confirming && (
        <div role="alertdialog" aria-label="Delete this run?" className="rl-card">
          <p>Delete “{run.name}”? Its events and rows are erased; this cannot be undone.</p>
          <button
            className="rl-btn rl-btn-danger"
            type="button"
            autoFocus
            onClick={() =>
              void act('Delete', () => handle.delete()).then(() => {
                setConfirming(false);
                onDeleted?.(runId);
              })
            }
          >
            Confirm delete
          </button>{' '}
          <button className="rl-btn" type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
      {failure && (
        <p className="rl-error" role="alert">
          {failure}
        </p>
      )}
      <p className="rl-sr" aria-live="polite">
        {busy ? `${busy}…` : ''}
      </p>
      {typeof replay === 'function' ? replay(run) : replay}
      <Conversation run={run} tasks={tasks} />
      <h3>Tasks</h3>
      {tasks.map((t, i) => (
        <TaskCard key={t.taskId} task={t} index={i} />
      ))}
    </div>
  );
}
