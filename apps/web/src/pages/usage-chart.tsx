import type { UsageSummary } from '@run-ledger/client';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** Cost (USD, left axis) and tokens (right axis) per day or model. Cost is a decimal string: parsed here for drawing only. */
export default function UsageChart({
  rows,
  groupBy,
}: {
  rows: UsageSummary['rows'];
  groupBy: 'day' | 'model';
}) {
  const data = rows.map((r) => ({
    label: (groupBy === 'day' ? r.day : r.model) ?? '',
    cost: Number(r.cost),
    tokens: r.inputTokens + r.outputTokens,
  }));
  const total = rows.reduce((n, r) => n + r.inputTokens + r.outputTokens, 0);
  return (
    <figure
      style={{ margin: '8px 0', height: 280 }}
      role="img"
      aria-label={`Usage chart: ${rows.length} ${groupBy === 'day' ? 'days' : 'models'}, ${total} tokens in all`}
      data-testid="usage-chart"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--rl-border)" />
          <XAxis dataKey="label" stroke="var(--rl-muted)" />
          <YAxis yAxisId="cost" width={84} stroke="var(--rl-muted)" tickFormatter={(v: number) => `$${v}`} />
          <YAxis yAxisId="tokens" orientation="right" stroke="var(--rl-muted)" />
          <Tooltip contentStyle={{ background: 'var(--rl-bg)', borderColor: 'var(--rl-border)' }} />
          <Legend />
          <Bar
            yAxisId="cost"
            dataKey="cost"
            name="Cost (USD)"
            fill="var(--rl-accent)"
            isAnimationActive={false}
          />
          <Bar
            yAxisId="tokens"
            dataKey="tokens"
            name="Tokens"
            fill="var(--rl-ok)"
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
