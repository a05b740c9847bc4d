import Big from 'big.js';

/**
 * Display helpers. Money stays a decimal string from the server: it is shown, never summed as a float. Rounded
 * with big.js, not decimal.js as the server does: rounding for display needs none of decimal.js's functions, and it
 * added 13 KB gzipped to the dashboard's initial JavaScript (big.js: 3 KB).
 */

// Six decimals read well from cents to a tenth of a cent; below that, costs of a few tokens would all look alike
// (or like zero), so at least three significant digits stay.
const PLACES = 6;
const SIGNIFICANT = 3;
const ROUND_HALF_UP = 1;

function parseAmount(amount: string): Big | null {
  try {
    return new Big(amount);
  } catch {
    return null; // no decimal number (big.js takes no NaN nor Infinity)
  }
}

/** Rounded half up (never cut: $0.0000036 is not $0.000003), to six decimals or three significant digits. */
function roundAmount(value: Big): Big {
  if (value.eq(0)) return value;
  // `e` is the exponent of the first significant digit: -5 for 0.0000666.
  return value.round(Math.max(PLACES, SIGNIFICANT - 1 - value.e), ROUND_HALF_UP);
}

function dollars(value: Big): string {
  const [whole, frac = ''] = value.abs().toFixed().split('.');
  return `${value.lt(0) ? '-' : ''}$${whole}.${frac.padEnd(2, '0')}`;
}

/** A cost as shown: `unpriced` without an amount; a text that is no number is shown as it came. */
export function formatCost(amount: string | null | undefined): string {
  if (amount === null || amount === undefined) return 'unpriced';
  const value = parseAmount(amount);
  return value ? dollars(roundAmount(value)) : amount;
}

/** The whole amount when `formatCost` had to round it (for a tooltip), else undefined. */
export function exactCost(amount: string | null | undefined): string | undefined {
  const value = amount === null || amount === undefined ? null : parseAmount(amount);
  return value && !roundAmount(value).eq(value) ? dollars(value) : undefined;
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
