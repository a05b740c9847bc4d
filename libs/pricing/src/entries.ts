import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import builtIn from './catalog.json';
import imported from './genai-prices.json';
import { priceEntriesSchema, type PriceEntry } from './price-entry';

/**
 * The built-in price catalog (catalog.json) and operator override files, both checked against one schema.
 * (This module is not named catalog.ts: under ts-node an extensionless './catalog' resolves to catalog.json.)
 */

export class PricingCatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PricingCatalogError';
  }
}

function describeIssues(origin: string, data: unknown, error: z.ZodError): string {
  const lines = error.issues.slice(0, 10).map((issue) => {
    const [index, ...field] = issue.path;
    const entry = Array.isArray(data) && typeof index === 'number' ? data[index] : undefined;
    const id =
      typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string'
        ? ` (id "${(entry as { id: string }).id}")`
        : '';
    const where = typeof index === 'number' ? `entry ${index}${id}` : 'file';
    const path = field.length > 0 ? `${field.join('.')}: ` : '';
    return `  ${where}: ${path}${issue.message}`;
  });
  const more = error.issues.length > 10 ? `\n  … and ${error.issues.length - 10} more` : '';
  return `${origin}: invalid price entries\n${lines.join('\n')}${more}`;
}

/** Validates a list of entries (unknown JSON); throws a PricingCatalogError naming the origin, entry and field. */
export function parseEntries(data: unknown, origin: string): PriceEntry[] {
  const parsed = priceEntriesSchema.safeParse(data);
  if (!parsed.success) throw new PricingCatalogError(describeIssues(origin, data, parsed.error));
  const seen = new Set<string>();
  for (const entry of parsed.data) {
    if (seen.has(entry.id)) throw new PricingCatalogError(`${origin}: duplicate entry id "${entry.id}"`);
    seen.add(entry.id);
  }
  return parsed.data;
}

let builtInCache: readonly PriceEntry[] | null = null;

/** The built-in catalog, validated once. */
export function builtInEntries(): readonly PriceEntry[] {
  builtInCache ??= Object.freeze(
    parseEntries(builtIn, 'built-in price catalog (libs/pricing/src/catalog.json)'),
  );
  return builtInCache;
}

let importedCache: readonly PriceEntry[] | null = null;

/** The entries converted from the pinned @pydantic/genai-prices data: the lowest layer. */
export function importedEntries(): readonly PriceEntry[] {
  importedCache ??= Object.freeze(
    parseEntries(imported.entries, `imported genai-prices data (@pydantic/genai-prices@${imported.version})`),
  );
  return importedCache;
}

/** The version of the imported data: `genai-prices@0.1.8`. */
export const IMPORTED_VERSION = `genai-prices@${imported.version}`;

/** Reads an override file: a JSON array of entries with the catalog's schema. */
export function readOverridesFile(file: string): PriceEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PricingCatalogError(`${file}: cannot read price overrides (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PricingCatalogError(`${file}: price overrides are not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data))
    throw new PricingCatalogError(`${file}: price overrides must be a JSON array of entries`);
  return parseEntries(data, file);
}

/** Overrides replace the base entry with the same id and add the others (after the base, so they win ties). */
export function mergeEntries(base: readonly PriceEntry[], overrides: readonly PriceEntry[]): PriceEntry[] {
  const byId = new Map(overrides.map((o) => [o.id, o]));
  const merged = base.map((entry) => byId.get(entry.id) ?? entry);
  const baseIds = new Set(base.map((e) => e.id));
  return [...merged, ...overrides.filter((o) => !baseIds.has(o.id))];
}
