import Decimal from 'decimal.js';

/**
 * Money is exact decimal (docs/protocol.md §2), with one configuration for every lib and app: enough significant
 * digits that no sum, difference or product of prices and token counts is ever rounded (200 is far above what a
 * cost needs: a token count of 16 digits times a price of 20), ties to even if a division ever has to round, and
 * no exponent notation in any text (a total prints as "0.0000003", never "3e-7").
 */
export const MONEY_PRECISION = 200;

export const Money = Decimal.clone({
  precision: MONEY_PRECISION,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
/** A money value (a `decimal.js` Decimal of the configuration above). */
export type Money = Decimal;

export type Amount = string | number | Decimal;

/** The canonical text of an amount: no exponent, no trailing zeros ("1.50" → "1.5"), so equal sums print equally. */
export function money(amount: Amount): string {
  return new Money(amount).toFixed();
}

/** The sum of the amounts given (a missing one counts for nothing), as canonical text; "0" for none. */
export function addMoney(...amounts: ReadonlyArray<Amount | null | undefined>): string {
  return sumMoney(amounts).toFixed();
}

/** `a - b` as canonical text (a missing `b` counts for nothing). */
export function subMoney(a: Amount, b: Amount | null | undefined): string {
  return b == null ? money(a) : new Money(a).minus(b).toFixed();
}

/** The sum of the amounts, as a value to compute on (compare, subtract, multiply). */
export function sumMoney(amounts: Iterable<Amount | null | undefined>): Money {
  let sum = new Money(0);
  for (const a of amounts) if (a != null) sum = sum.plus(a);
  return sum;
}

/** Whether two amounts are the same number, whatever their text ("1.50" and "1.5"). */
export function sameMoney(a: Amount, b: Amount): boolean {
  return new Money(a).equals(b);
}
