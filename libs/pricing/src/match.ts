import type { PriceEntry } from './price-entry';
import { compileRule, exactIds } from './match-rule';
import { normaliseProvider, resolveModel, type ModelRef } from './names';
import { snapshotModel } from './snapshot';

/**
 * Finding the catalog entry that prices a (provider, model) at a moment. Strict: an id is priced only by an entry
 * that names it — its model, an exact id in `match`, an anchored glob in `match`, or its `rule` — never by a
 * neighbour reached by cutting the id down, but for a dated snapshot's date (6.).
 *
 * 1. The id is read with resolveModel (host wrappers removed: gateway `vendor/`, Bedrock, Vertex `@date`).
 * 2. Only entries of the vendor count (Claude on Vertex or Bedrock: anthropic). An unknown host with no vendor in
 *    the id is matched against every entry.
 * 3. Only entries in effect count: effectiveFrom <= at; the latest one is the price then, and if its
 *    effectiveTo has passed the id is retired (no price; an older entry does not come back). A dated snapshot is
 *    named by the entries that price it, each from its own launch, so a snapshot is never priced before it
 *    existed or at the moving alias's price.
 * 4. Layers, best first: operator overrides, the ledger's own catalog, the imported genai-prices data. The highest
 *    layer with an entry naming the id decides, at every date (before its first entry: no price).
 * 5. Within a layer: an exact name beats a pattern; a longer pattern beats a shorter one; then the latest
 *    effectiveFrom (price history); then the entry loaded last.
 * 6. A dated snapshot id (`gpt-4o-2025-03-01`, `claude-sonnet-4-20250901`) that no entry names is priced as its
 *    model, as the protocol says (snapshot.ts); one an entry names is priced by that entry alone.
 */

interface CompiledEntry {
  readonly entry: PriceEntry;
  readonly layer: number;
  readonly order: number;
  readonly from: number;
  readonly to: number;
  readonly provider: string;
  readonly names: ReadonlySet<string>;
  /** Each pattern gives 0 (no match) or a weight: the length of the literal that matched. */
  readonly patterns: readonly ((m: string) => number)[];
}

const RANK_EXACT = 1_000_000;

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function compile(entry: PriceEntry, layer: number, order: number): CompiledEntry {
  const names = new Set([entry.model.toLowerCase()]);
  const patterns: ((m: string) => number)[] = [];
  for (const alias of entry.match ?? []) {
    const a = alias.toLowerCase();
    if (a.includes('*')) {
      const re = globToRegExp(a);
      const weight = a.replace(/\*/g, '').length;
      patterns.push((m) => (re.test(m) ? weight : 0));
    } else names.add(a);
  }
  if (entry.rule) {
    for (const id of exactIds(entry.rule)) names.add(id);
    patterns.push(compileRule(entry.rule));
  }
  return {
    entry,
    layer,
    order,
    from: Date.parse(entry.effectiveFrom),
    to: entry.effectiveTo ? Date.parse(entry.effectiveTo) : Number.POSITIVE_INFINITY,
    provider: normaliseProvider(entry.provider) ?? entry.provider.toLowerCase(),
    names,
    patterns,
  };
}

function score(c: CompiledEntry, model: string): number {
  if (c.names.has(model)) return RANK_EXACT + model.length;
  let best = 0;
  for (const p of c.patterns) best = Math.max(best, p(model));
  return best;
}

export interface MatchResult {
  readonly entry: PriceEntry;
  readonly ref: ModelRef;
}

export class EntryMatcher {
  private readonly compiled: readonly CompiledEntry[];
  private readonly providers: ReadonlySet<string>;

  /** `layers[0]` is the lowest (imported data), the last one the highest (overrides). */
  constructor(layers: readonly (readonly PriceEntry[])[]) {
    let order = 0;
    this.compiled = layers.flatMap((entries, layer) => entries.map((e) => compile(e, layer, order++)));
    this.providers = new Set(this.compiled.map((c) => c.provider));
  }

  /** The entry pricing `model` of `provider` at the ISO time `at`, or null when none is known. */
  find(provider: string, model: string, at: string): PriceEntry | null {
    return this.resolve(provider, model, at)?.entry ?? null;
  }

  resolve(provider: string, model: string, at: string): MatchResult | null {
    const atMs = Date.parse(at);
    if (Number.isNaN(atMs)) throw new RangeError(`pricing: "${at}" is not an ISO date-time`);
    const ref = resolveModel(provider, model);
    const host = normaliseProvider(provider);
    // Azure deployments carry their own names and prices: only entries given for azure price them. A vendor
    // with no entries at all (a host such as `meta`) is matched on the model alone.
    let vendor = ref.vendor ?? (host === 'azure' ? 'azure' : null);
    if (vendor !== null && vendor !== 'azure' && !this.providers.has(vendor)) vendor = null;

    let named = this.named(vendor, ref.model);
    if (named.length === 0) {
      // A dated snapshot no entry names is priced as its model (step 6 above).
      const model = snapshotModel(ref.model, atMs);
      if (model !== null) named = this.named(vendor, model);
    }
    if (named.length === 0) return null;
    // The highest layer that names the id owns it at every date: before its first entry the id has no price,
    // rather than a lower layer's undated one.
    const layer = Math.max(...named.map((x) => x.c.layer));
    let best: { c: CompiledEntry; s: number } | null = null;
    for (const x of named) {
      const { c, s } = x;
      if (c.layer !== layer || c.from > atMs) continue;
      const better =
        best === null ||
        s > best.s ||
        (s === best.s && (c.from > best.c.from || (c.from === best.c.from && c.order > best.c.order)));
      if (better) best = x;
    }
    // effectiveTo retires the model: an older entry does not come back.
    if (best === null || best.c.to <= atMs) return null;
    return { entry: best.c.entry, ref };
  }

  /** The entries of `vendor` (any, when null) that name `model`, with their scores. */
  private named(vendor: string | null, model: string): Array<{ c: CompiledEntry; s: number }> {
    return this.compiled
      .filter((c) => vendor === null || c.provider === vendor)
      .map((c) => ({ c, s: score(c, model) }))
      .filter((x) => x.s > 0);
  }
}
