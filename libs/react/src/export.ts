import type { RunView, TaskView } from '@run-ledger/client';

/** Offers `text` as a file download (browser only). */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

const hex = (uuid: string, length: number) => uuid.replace(/-/g, '').slice(0, length).padEnd(length, '0');
const nanos = (iso: string | null) => (iso ? `${BigInt(Date.parse(iso)) * 1_000_000n}` : undefined);
const attr = (key: string, value: string | number | null) =>
  value === null
    ? []
    : [{ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } }];

/**
 * The run as OpenTelemetry traces (OTLP/JSON): one trace per run, a span per task, with the GenAI semantic
 * conventions' attributes (`gen_ai.system`, `gen_ai.request.model`, `gen_ai.usage.*`) and the ledger's cost.
 */
export function runToOtlp(run: RunView, tasks: readonly TaskView[]) {
  const traceId = hex(run.id, 32);
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [...attr('service.name', 'run-ledger'), ...attr('ledger.run.name', run.name)],
        },
        scopeSpans: [
          {
            scope: { name: '@run-ledger/react' },
            spans: tasks.map((t) => ({
              traceId,
              spanId: hex(t.taskId, 16),
              name: `${t.taskName} ${t.model}`,
              kind: 3,
              startTimeUnixNano: nanos(t.createdAt),
              endTimeUnixNano: nanos(t.completedAt ?? t.updatedAt),
              status: { code: t.status === 'failed' ? 2 : t.status === 'completed' ? 1 : 0 },
              attributes: [
                ...attr('gen_ai.system', t.provider),
                ...attr('gen_ai.request.model', t.model),
                ...attr('gen_ai.usage.input_tokens', t.tokensInput),
                ...attr('gen_ai.usage.output_tokens', t.tokensOutput),
                ...attr('gen_ai.response.finish_reasons', t.finishReason),
                ...attr('ledger.task.id', t.taskId),
                ...attr('ledger.cost.usd', t.cost),
                ...attr('ledger.price.id', t.priceId),
                ...attr('ledger.time_to_first_token_ms', t.timeToFirstToken),
              ],
            })),
          },
        ],
      },
    ],
  };
}
