/**
 * V8 keeps `a + b` as a rope (a node pointing at both parts) until something reads its characters. A task's text
 * folded chunk by chunk is a rope of one node per chunk: for token-sized chunks several times the text's own size
 * (a 4-character token is ~56 bytes as node and piece). Reading a character flattens a rope in place (the same
 * string, now one piece; its parts are garbage); the read goes to `_read` so that no compiler drops it as unused.
 */
let _read = 0;

function flattened(text: string): string {
  _read ^= text.charCodeAt(0) | 0;
  return text;
}

/** Text lengths grow by this factor from one flattening to the next (`grownText`). */
const GROWTH = 1.25;
const level = (length: number) => Math.floor(Math.log(length + 1) / Math.log(GROWTH));

/**
 * `text`, which grew from a text of `fromLength` characters, flattened when it passed the next of a geometric
 * series of lengths: a text kept while it grows (a streaming task's, batch after batch) is copied whole O(1) times
 * per character over its life, not once per batch, and at most a fifth of it is rope.
 */
export function grownText(text: string, fromLength: number): string {
  return level(text.length) === level(fromLength) ? text : flattened(text);
}
