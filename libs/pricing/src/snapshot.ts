/**
 * A dated snapshot id: a model id with its release date appended, as OpenAI (`gpt-4o-2024-08-06`) and Anthropic
 * (`claude-sonnet-4-20250514`) write it. The protocol prices such an id "as its model unless the catalog has it on
 * its own" (docs/protocol.md, pricing), so an id no entry names is priced by its model's entry when it is one.
 */
const DATED = /^(.+?)-(\d{4})-?(\d{2})-?(\d{2})$/;

/**
 * The model id of a dated snapshot id, or null when `model` is not one: its date must be a real calendar day, and
 * not after `atMs` (a snapshot is never priced before it existed: an id dated later is no snapshot at that moment).
 * Only the two dated forms: 4-digit suffixes (`-0613`, `-2411`) are months or versions, whose models' prices differ
 * (docs/pricing.md, Matching), and they are priced only where an entry names them.
 */
export function snapshotModel(model: string, atMs: number): string | null {
  const m = DATED.exec(model);
  if (!m) return null;
  const [, base, year, month, day] = m;
  // Both separators or neither: `-2024-0806` is no date form of either vendor.
  if (model.length - base.length !== 11 && model.length - base.length !== 9) return null;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  const date = new Date(ms);
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  return ms <= atMs ? base : null;
}
