/** Display helpers. Money stays a decimal string from the server: it is shown, never summed as a float. */

export function formatCost(amount: string | null | undefined): string {
  if (amount === null || amount === undefined) return 'unpriced';
  const [whole, frac = ''] = amount.split('.');
  const digits = frac.replace(/0+$/, '');
  return `$${whole}.${digits.padEnd(2, '0').slice(0, Math.max(2, Math.min(6, digits.length)))}`;
}

export function formatTokens(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** The moment a run last changed, as the server orders the list: last message, else last update. */
export function lastActivity(run: { lastMessageAt: string | null; updatedAt: string }): string {
  return run.lastMessageAt ?? run.updatedAt;
}
