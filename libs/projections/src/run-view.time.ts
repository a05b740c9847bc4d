/**
 * Times in the read models are what `Date.prototype.toISOString` writes. Every stored time is normally already in
 * that form (the domain writes `toISOString()`), and the rebuild meets one per event: such a string is returned as
 * it is, checked field by field, without the `Date` round trip (~6 % of a rebuild's CPU, docs/performance.md).
 */
export function isoTime(value: string): string {
  if (isCanonicalIso(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${value}`);
  return d.toISOString();
}

/** Days of each month in a common year (February has 29 in a leap year). */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Where `YYYY-MM-DDTHH:mm:ss.sssZ` has a separator, and which. */
const SEPARATORS: ReadonlyArray<readonly [number, number]> = [
  [4, 0x2d], // -
  [7, 0x2d],
  [10, 0x54], // T
  [13, 0x3a], // :
  [16, 0x3a],
  [19, 0x2e], // .
  [23, 0x5a], // Z
];

/**
 * True when `toISOString` would write `v` back unchanged: the 24-character UTC form with a real date and time
 * (`Date` rolls 2025-02-30 or 24:00 over to the next day, so those fields are checked, not only the digits).
 */
export function isCanonicalIso(v: string): boolean {
  if (v.length !== 24) return false;
  for (const [at, code] of SEPARATORS) if (v.charCodeAt(at) !== code) return false;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || digits(v, 20, 3) < 0) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= MONTH_DAYS[month - 1] + (month === 2 && leap ? 1 : 0);
}

/** The decimal number written at `v[from, from + n)`, or -1 if a character there is not a digit. */
function digits(v: string, from: number, n: number): number {
  let out = 0;
  for (let i = from; i < from + n; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    out = out * 10 + d;
  }
  return out;
}
