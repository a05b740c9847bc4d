import type { TaskView } from '@run-ledger/client';
import type { ReactNode } from 'react';
import { Cost } from './cost';
import { formatMs, formatTime, formatTokens } from './format';

/** A labelled, collapsed block of pretty-printed JSON (a payload, a request, a resumable conversation). */
export function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <details>
      <summary>{label}</summary>
      <pre className="rl-json" tabIndex={0}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

/** One task's facts: model, status, tokens, cost and the price used, timing, errors, tool calls, payloads. */
export function TaskCard({ task, index }: { task: TaskView; index: number }) {
  const facts: Array<[string, ReactNode]> = [
    ['Model', task.model],
    ['Provider', task.provider],
    ['Input tokens', formatTokens(task.tokensInput)],
    ['Cached', formatTokens(task.tokensCached)],
    ['Cache write', formatTokens(task.tokensCacheWrite)],
    ['Output tokens', formatTokens(task.tokensOutput)],
    ['Reasoning', formatTokens(task.tokensReasoning)],
    ['Usage', task.usageSource ?? '—'],
    ['Cost', <Cost amount={task.cost} />],
    ['Price', task.priceId ?? (task.status === 'completed' || task.status === 'failed' ? 'no price' : '—')],
    ['First token', formatMs(task.timeToFirstToken)],
    ['Total time', formatMs(task.totalTime)],
    ['Finish', task.finishReason ?? '—'],
    ['Chunks', formatTokens(task.chunkCount)],
    ['Created', formatTime(task.createdAt)],
  ];
  return (
    <section
      className="rl-card"
      aria-label={`Task ${index + 1}: ${task.taskName}`}
      data-task-id={task.taskId}
    >
      <h3 style={{ margin: 0, fontSize: 15 }}>
        {index + 1}. {task.taskName}{' '}
        <span className={`rl-status rl-status-${task.status}`} data-status={task.status}>
          {task.status}
        </span>
      </h3>
      <dl className="rl-facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {task.error && (
        <p className="rl-error" role="note">
          {task.error.code}: {task.error.message}
        </p>
      )}
      {task.responseErrors.length > 0 && (
        <Json label={`Error chunks (${task.responseErrors.length})`} value={task.responseErrors} />
      )}
      {task.toolUpdates.length > 0 && (
        <Json label={`Tool calls (${task.toolUpdates.length})`} value={task.toolUpdates} />
      )}
      <Json label="Request" value={task.requestData} />
      {task.responseData && <Json label="Response" value={task.responseData} />}
    </section>
  );
}
