import { usage } from './cli-io';

/** Parsers of option values shared by several commands; a bad value is a usage error (exit 2). */

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidOption(value: string | undefined, name: string): string {
  if (value === undefined || !UUID_RE.test(value)) usage(`${name} must be a UUID`);
  return (value as string).toLowerCase();
}

/** `30d`, `12h`, `2w` → an ISO time that long before `now`; a date or ISO time is taken as is. */
export function parseSince(value: string, now = Date.now()): string {
  const span = /^(\d+)\s*([hdw])$/i.exec(value.trim());
  if (span) {
    const unit = { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[span[2].toLowerCase() as 'h' | 'd' | 'w'];
    return new Date(now - Number(span[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    usage(`invalid time "${value}": use a date (2025-01-31), an ISO time, or a span like 30d, 12h, 2w`);
  return new Date(t).toISOString();
}
