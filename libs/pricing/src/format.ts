import { appliedPrices } from './cost';
import { tierLabel, type PriceEntry, type Prices } from './price-entry';

/** Plain-text views of the catalog for the CLI: `ledger prices list` and `ledger prices show <model>`. */

const COLUMNS = ['ID', 'INPUT', 'CACHED', 'CACHE WRITE', 'OUTPUT', 'REASONING', 'FROM', 'TIERS'] as const;

function row(entry: PriceEntry): string[] {
  const p = appliedPrices(entry.prices, null);
  const tiers = (entry.tiers ?? []).map(tierLabel).join(',');
  return [
    entry.id,
    p.input,
    p.cachedInput ?? '',
    p.cacheWrite ?? '',
    p.output,
    p.reasoning ?? '',
    entry.effectiveFrom,
    tiers || '-',
  ];
}

/** A table of entries, one line each, prices in USD per million tokens (defaults filled in), sorted by id. */
export function formatPriceTable(entries: readonly PriceEntry[]): string {
  const rows = [...entries].sort((a, b) => a.id.localeCompare(b.id)).map(row);
  const table: string[][] = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const numeric = (i: number) => i >= 1 && i <= 5;
  const lines = table.map((r) =>
    r
      .map((cell, i) => (numeric(i) && r !== table[0] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\nPrices in USD per million tokens. ${entries.length} entries.`;
}

const OPTIONAL_LINES: readonly [keyof Prices, string, string][] = [
  ['cacheWrite1h', 'cache write 1h', ''],
  ['inputAudio', 'input audio', ''],
  ['inputImage', 'input image', ''],
  ['inputVideo', 'input video', ''],
  ['outputAudio', 'output audio', ''],
  ['outputImage', 'output image', ''],
  ['outputVideo', 'output video', ''],
  ['webSearch', 'web search', ' per search'],
  ['grounding', 'grounding', ' per grounded request'],
  ['request', 'request fee', ' per request'],
];

function priceLines(prices: Prices, indent: string): string[] {
  const p = appliedPrices(prices, null);
  const note = (given: string | undefined, fallback: string) =>
    given === undefined ? ` (= ${fallback})` : '';
  const lines = [
    `${indent}input          $${p.input}`,
    `${indent}cached input   $${p.cachedInput}${note(prices.cachedInput, 'input')}`,
    `${indent}cache write    $${p.cacheWrite}${note(prices.cacheWrite, 'input')}`,
    `${indent}output         $${p.output}`,
    `${indent}reasoning      $${p.reasoning}${note(prices.reasoning, 'output')}`,
  ];
  for (const [key, label, unit] of OPTIONAL_LINES)
    if (prices[key] !== undefined) lines.push(`${indent}${label.padEnd(15)}$${prices[key]}${unit}`);
  return lines;
}

/** A multi-line description of one entry: names, dates, source and every price, tiers included. */
export function describeEntry(entry: PriceEntry): string {
  const lines = [`${entry.id}`, `  provider       ${entry.provider}`, `  model          ${entry.model}`];
  if (entry.match?.length) lines.push(`  also matches   ${entry.match.join(', ')}`);
  if (entry.rule) lines.push(`  match rule     ${JSON.stringify(entry.rule)}`);
  lines.push(`  effective from ${entry.effectiveFrom}`);
  if (entry.effectiveTo) lines.push(`  retired at     ${entry.effectiveTo}`);
  lines.push(
    `  checked at     ${entry.checkedAt}`,
    `  source         ${entry.source}`,
    '  prices per million tokens (USD):',
    ...priceLines(entry.prices, '    '),
  );
  for (const tier of entry.tiers ?? []) {
    lines.push(
      `  tier ${tierLabel(tier)} (above ${tier.aboveInputTokens} input tokens, priceId ${entry.id}#${tierLabel(tier)}):`,
    );
    lines.push(...priceLines(tier.prices, '    '));
  }
  for (const w of entry.windows ?? []) {
    lines.push(`  window ${w.name} (${w.from}-${w.to} UTC, priceId ${entry.id}#${w.name}):`);
    lines.push(...priceLines(w.prices, '    '));
  }
  for (const [name, st] of Object.entries(entry.serviceTiers ?? {}))
    if (st.multiplier !== undefined)
      lines.push(`  service tier ${name}: ${st.multiplier} × the prices above`);
    else if (st.prices) {
      lines.push(`  service tier ${name}:`);
      lines.push(...priceLines(st.prices, '    '));
    }
  for (const [region, m] of Object.entries(entry.regions ?? {}))
    lines.push(`  region ${region}: ${m} × every price`);
  if (entry.notes) lines.push(`  notes          ${entry.notes}`);
  return lines.join('\n');
}
