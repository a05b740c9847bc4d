import { useId } from 'react';
import { formatMs } from './format';
import { Markdown } from './markdown';
import type { ReplayTask } from './replay-fold';
import { useLedgerStyles } from './styles';
import { REPLAY_SPEEDS, useReplay } from './use-replay';
import { Waterfall } from './waterfall';

const speedLabel = (s: number) => (s === 0 ? 'instant' : `${s}×`);

interface ShownTask {
  taskId: string;
  title: string;
  userMessage: string | null;
  text: string;
  status: ReplayTask['status'];
}

/**
 * Plays a run back with its original pacing (Replay from the start, Speed 1×/2×/10×/instant, Pause/Continue), shows it as it was at any
 * version (the Version scrubber asks the server: `run.at`), and draws its tasks' waterfall. Give `latestVersion` (the
 * run's version, e.g. from `useRun`) to take in the events recorded since it was opened.
 */
export function ReplayPlayer({ runId, latestVersion }: { runId: string; latestVersion?: number }) {
  useLedgerStyles();
  const id = useId();
  const r = useReplay(runId, { latestVersion });
  if (r.error)
    return (
      <div className="rl-root">
        <p className="rl-error" role="alert">
          Replay failed: {r.error.message}
        </p>
      </div>
    );
  const maxVersion = Math.max(
    r.frames.length ? r.frames[r.frames.length - 1].version : 0,
    latestVersion ?? 0,
  );
  const version = r.scrubbed?.version ?? (r.position ? r.frames[r.position - 1].version : 0);
  const total = r.due.length ? r.due[r.due.length - 1] : 0;
  const now = r.position ? r.due[r.position - 1] : 0;
  const at = r.scrubbed?.at;
  const shown: ShownTask[] = at
    ? at.tasks.map((t) => ({
        taskId: t.taskId,
        title: `${t.taskName} · ${t.model}`,
        userMessage: null,
        text: t.responseText,
        status: t.status,
      }))
    : r.fold.tasks.map((t) => ({
        taskId: t.taskId,
        title: `${t.taskName} · ${t.model}`,
        userMessage: t.userMessage,
        text: t.parts.join(''),
        status: t.status,
      }));
  const name = at ? (at.run?.name ?? '(not started yet)') : r.fold.name;
  const finished = r.position >= r.frames.length && r.frames.length > 0;

  return (
    <div className="rl-root" aria-label="Replay player" role="region">
      <div className="rl-toolbar">
        <button className="rl-btn rl-btn-primary" type="button" disabled={r.starting} onClick={r.replay}>
          Replay
        </button>
        <button
          className="rl-btn"
          type="button"
          disabled={r.loading || (!r.playing && (r.position === 0 || finished || r.scrubbed !== null))}
          onClick={r.playing ? r.pause : r.play}
        >
          {r.playing ? 'Pause' : 'Continue'}
        </button>
        <label htmlFor={`${id}-speed`}>Speed</label>
        <select
          id={`${id}-speed`}
          className="rl-select"
          value={r.speed}
          onChange={(e) => r.setSpeed(Number(e.target.value))}
        >
          {REPLAY_SPEEDS.map((s) => (
            <option key={s} value={s}>
              {speedLabel(s)}
            </option>
          ))}
        </select>
        <span className="rl-muted" aria-live="off">
          {formatMs(now)} / {formatMs(total)} · {r.position}/{r.frames.length} events
        </span>
      </div>
      <label htmlFor={`${id}-version`} className="rl-muted">
        Version {version} of {maxVersion}
      </label>
      <input
        id={`${id}-version`}
        className="rl-scrub"
        type="range"
        aria-label="Version"
        min={0}
        max={maxVersion}
        step={1}
        value={version}
        disabled={maxVersion === 0 && r.frames.length === 0}
        onChange={(e) => r.seek(Number(e.target.value))}
      />
      <p role="status" className="rl-muted">
        {r.scrubbed
          ? at
            ? `The run as it was at version ${r.scrubbed.version}`
            : `Loading version ${r.scrubbed.version}…`
          : r.starting || (r.loading && r.frames.length === 0)
            ? 'Loading the run’s events…'
            : r.playing
              ? `Playing at ${speedLabel(r.speed)}`
              : finished
                ? 'Replay finished'
                : // Stopped partway (Pause): Continue picks up from here, so it is not a fresh start.
                  r.position > 0
                  ? 'Paused'
                  : r.deferred
                    ? `Ready: the run’s ${maxVersion + 1} events load when you replay or scrub`
                    : 'Ready'}
      </p>
      <Waterfall lanes={r.lanes} total={total} now={now} />
      {(r.position > 0 || r.scrubbed) && (
        <section
          aria-label="Replayed conversation"
          data-version={version}
          data-scrubbed={at ? 'true' : 'false'}
        >
          <h3 style={{ marginBottom: 4 }}>{name}</h3>
          {shown.map((t) => (
            <article key={t.taskId} className="rl-card" data-task-id={t.taskId} data-status={t.status}>
              <div className="rl-muted">
                {t.title} · {t.status}
              </div>
              {t.userMessage !== null && (
                <div className="rl-msg rl-msg-user">
                  <Markdown text={t.userMessage} />
                </div>
              )}
              <div className="rl-msg rl-msg-assistant" data-replay-text>
                {t.status === 'completed' ? (
                  <Markdown text={t.text} />
                ) : (
                  <p style={{ whiteSpace: 'pre-wrap' }}>{t.text}</p>
                )}
              </div>
            </article>
          ))}
        </section>
      )}
    </div>
  );
}
