import { createHash } from 'node:crypto';
import type { Cost, EstimateRequest, PriceRequest, Usage } from '@ledger/domain';
import {
  builtInEntries,
  importedEntries,
  IMPORTED_VERSION,
  mergeEntries,
  readOverridesFile,
} from './entries';
import { costOf, UNPRICED } from './cost';
import { estimateUsage } from './estimate';
import { EntryMatcher } from './match';
import type { PriceEntry } from './price-entry';

/** The pricing service the command side is given: pure `price` and `estimate`, plus catalog look-ups for the CLI. */
export interface Pricing {
  /**
   * The catalog version: the imported data's version, a digest of the ledger's own entries and of the overrides
   * (`genai-prices@0.1.8+own.3f9a1c0b22d4+overrides.81c0aa12fe01`). Named in TaskRepriced events.
   */
  readonly version: string;
  /** Exact cost of a usage at the entry in effect at `request.at`; an unknown model costs `{ amount: null, … }`. */
  price(request: PriceRequest): Cost;
  /** Usage estimated with a tokenizer from the request payload and the response text. */
  estimate(request: EstimateRequest): Usage;
  /** Every entry, lowest layer first: imported, own (overridden where an override has the same id), added ones. */
  list(): PriceEntry[];
  /** The entry that prices (provider, model) at `at` (default: now), or null. */
  find(provider: string, model: string, at?: string): PriceEntry | null;
}

export interface LoadPricingOptions {
  /** A JSON file of extra entries (same schema as the catalog); an entry with a built-in id replaces it. */
  overridesFile?: string;
  /** Extra entries given in code (applied after the file). */
  overrides?: readonly PriceEntry[];
  /** Leave out the imported genai-prices layer (tests of the own catalog alone). */
  withoutImported?: boolean;
}

function digest(entries: readonly PriceEntry[]): string {
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 12);
}

/**
 * A pricing service over layers of entries, lowest first. The first layer (from the top) with an entry matching a
 * model decides; see match.ts.
 */
export function createPricing(layers: readonly (readonly PriceEntry[])[], version?: string): Pricing {
  const frozen = layers.map((l) => Object.freeze([...l]));
  const matcher = new EntryMatcher(frozen);
  return {
    version: version ?? `catalog.${digest(frozen.flat())}`,
    price(request) {
      const match = matcher.resolve(request.provider, request.model, request.at);
      return match === null
        ? UNPRICED
        : costOf(match.entry, request.usage, { at: request.at, region: match.ref.region });
    },
    estimate: estimateUsage,
    list: () => frozen.flat(),
    find: (provider, model, at) => matcher.find(provider, model, at ?? new Date().toISOString()),
  };
}

/** Loads the imported data, the built-in catalog and operator overrides; a bad override file throws naming it. */
export function loadPricing(options: LoadPricingOptions = {}): Pricing {
  let overrides: PriceEntry[] = [];
  if (options.overridesFile) overrides = readOverridesFile(options.overridesFile);
  if (options.overrides) overrides = mergeEntries(overrides, options.overrides);
  // An override with a built-in id replaces it in place; the others form the top layer.
  const own = mergeEntries(builtInEntries(), []).map((e) => overrides.find((o) => o.id === e.id) ?? e);
  const ownIds = new Set(builtInEntries().map((e) => e.id));
  const added = overrides.filter((o) => !ownIds.has(o.id));
  const imported = options.withoutImported ? [] : importedEntries();
  const parts = [options.withoutImported ? 'none' : IMPORTED_VERSION, `own.${digest(own)}`];
  if (overrides.length) parts.push(`overrides.${digest(overrides)}`);
  return createPricing([imported, own, added], parts.join('+'));
}

let defaultInstance: Pricing | null = null;

/** The built-in catalog without overrides, built once. */
export function defaultPricing(): Pricing {
  defaultInstance ??= loadPricing();
  return defaultInstance;
}
