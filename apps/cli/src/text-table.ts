/** A plain text table: left-aligned text, right-aligned columns listed in `right`. */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  right: ReadonlySet<number> = new Set(),
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (right.has(i) ? (cell ?? '').padStart(widths[i]) : (cell ?? '').padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
