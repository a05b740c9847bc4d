import Decimal from 'decimal.js';

/** Display helpers. Money stays a decimal string from the server: it is shown, never summed as a float. */

// A configuration of its own (a host's Decimal is left alone): every digit of a cost, and never an exponent in text.
const Amount = Decimal.clone({ precision: 200, toExpNeg: -9e15, toExpPos: 9e15 });
// Six decimals read well from cents to a tenth of a cent; below that, costs of a few tokens would all look alike
// (or like zero), so at least three significant digits stay.
const PLACES = 6;
const SIGNIFICANT = 3;

function parseAmount(amount: string): Decimal | null {
  try {
    const value = new Amount(amount);
    return value.isFinite() ? value : null;
  } catch {
    return null;
  }
}

/** Rounded half up (never cut: $0.0000036 is not $0.000003), to six decimals or three significant digits. */
function roundAmount(value: Decimal): Decimal {
  if (value.isZero()) return value;
  // `e` is the exponent of the first significant digit: -5 for 0.0000666.
  return value.toDecimalPlaces(Math.max(PLACES, SIGNIFICANT - 1 - value.e), Decimal.ROUND_HALF_UP);
}

function dollars(value: Decimal): string {
  const [whole, frac = ''] = value.abs().toFixed().split('.');
  return `${value.isNegative() && !value.isZero() ? '-' : ''}$${whole}.${frac.padEnd(2, '0')}`;
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
  return value && !roundAmount(value).equals(value) ? dollars(value) : undefined;
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
