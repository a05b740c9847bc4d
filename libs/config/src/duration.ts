const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_557_600 };

/** `3600`, `90s`, `15m`, `12h`, `30d`, `2w`, `1y` → seconds; anything else → null. */
export function parseDurationSeconds(value: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdwy]?)\s*$/i.exec(value);
  if (!match) return null;
  const seconds = Number(match[1]) * UNIT_SECONDS[(match[2] || 's').toLowerCase()];
  return Number.isFinite(seconds) ? Math.floor(seconds) : null;
}
