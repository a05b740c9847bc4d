import { formatMs } from './format';
import { taskSpan, type WaterfallLane } from './replay-fold';

/**
 * The tasks on the replay's timeline: created → first token → completed, with chunk arrivals as ticks; `now` as a
 * line. Drawn over the tasks' own span (`total` is the whole replay, where a task not ended yet stops).
 */
export function Waterfall({ lanes, total, now }: { lanes: WaterfallLane[]; total: number; now: number }) {
  const { start, end: spanEnd } = taskSpan(lanes, total);
  const span = Math.max(1, spanEnd - start);
  // A length, and a moment (measured from the first task's creation), as a share of the span.
  const len = (ms: number) => `${Math.max(0, Math.min(100, (ms / span) * 100))}%`;
  const pct = (t: number) => len(t - start);
  return (
    <figure style={{ margin: 0 }}>
      <figcaption className="rl-muted">
        Task timeline ({formatMs(spanEnd - start)}): created, first token, completed; ticks are chunk arrivals
      </figcaption>
      <div className="rl-waterfall">
        {lanes.map((lane) => {
          const end = lane.ended ?? total;
          const width = end - lane.created;
          return (
            <div className="rl-lane" key={lane.taskId}>
              <span className="rl-name" title={lane.label}>
                {lane.label}
              </span>
              <div
                className="rl-track"
                role="img"
                aria-label={`${lane.label}: created at ${formatMs(lane.created)}, first token ${lane.firstToken === null ? 'none' : `at ${formatMs(lane.firstToken)}`}, ${lane.ended === null ? 'not ended' : `${lane.status} at ${formatMs(lane.ended)}`}`}
              >
                <span className="rl-bar" style={{ left: pct(lane.created), width: len(width) }} />
                {lane.density.map((n, i) =>
                  n === 0 ? null : (
                    <span
                      key={i}
                      className="rl-tick"
                      style={{
                        left: pct(lane.created + ((i + 0.5) / lane.density.length) * width),
                        opacity: Math.min(1, 0.3 + n / 10),
                      }}
                    />
                  ),
                )}
                {lane.firstToken !== null && (
                  <span className="rl-mark" style={{ left: pct(lane.firstToken) }} />
                )}
                <span
                  className="rl-tick"
                  style={{ left: pct(now), background: 'var(--rl-danger)', width: 2 }}
                />
              </div>
            </div>
          );
        })}
      </div>
    </figure>
  );
}
