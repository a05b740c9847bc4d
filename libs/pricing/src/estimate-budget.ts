/**
 * Bounds on the work of a token estimate, which runs on the server's thread while it decides a command: every other
 * client waits for it. A BPE tokenizer takes time quadratic in the length of one pre-tokenized piece (a run of text
 * its pattern does not split: base64, minified data, a repeated character), so one 64 KB word blocked the server for
 * 4 s and a 1 MiB one for minutes; and even ordinary text costs about 0.3 s per MiB (gpt-tokenizer 4.0.0).
 *
 * - Text is counted in windows of at most WINDOW_CHARS, cut before a space that follows and precedes other
 *   characters: such a space always begins a piece of the o200k and cl100k patterns (a piece holds a space only at
 *   its start, or is a run of whitespace), so the windows' counts add up to the count of the whole text. A window
 *   with no such space (one long piece) is cut at its end, where the count may differ from the whole piece's by a
 *   token.
 * - An estimate counts at most BUDGET_CHARS characters exactly; the text past them is counted at the rate (tokens
 *   per character) of what was counted, so no estimate costs more than a few tens of milliseconds.
 */

export const WINDOW_CHARS = 1000;
export const BUDGET_CHARS = 64 * 1024;
/** The rate of text past the budget when nothing at all was counted before it (about 4 characters a token). */
const DEFAULT_TOKENS_PER_CHAR = 0.25;

/** One UTF-16 unit is whitespace as the tokenizers' patterns read `\s`. */
const WHITESPACE = /\s/;

/**
 * Where the window of `text` starting at `start` ends (at most WINDOW_CHARS on): before the last space in it with
 * other characters on both sides, else at its end, moved back off the middle of a surrogate pair.
 */
export function windowEnd(text: string, start: number): number {
  const end = start + WINDOW_CHARS;
  if (end >= text.length) return text.length;
  for (let i = text.lastIndexOf(' ', end); i > start; i = text.lastIndexOf(' ', i - 1)) {
    if (!WHITESPACE.test(text[i - 1]) && !WHITESPACE.test(text[i + 1])) return i;
  }
  const high = text.charCodeAt(end - 1);
  return high >= 0xd800 && high <= 0xdbff ? end - 1 : end;
}

/**
 * A counter for one estimate: exact (by windows) for its first BUDGET_CHARS characters, over all the texts it is
 * given; past them, the text left is counted at the rate of what was counted, rounded up.
 */
export function boundedCounter(tokens: (text: string) => number): (text: string) => number {
  let budget = BUDGET_CHARS;
  let countedChars = 0;
  let countedTokens = 0;
  return (text) => {
    if (!text) return 0;
    const exactChars = Math.min(text.length, budget);
    // The exact part ends where a window would: no piece is cut by the budget's edge.
    let end = 0;
    let exact = 0;
    while (end < exactChars) {
      const next = windowEnd(text, end);
      exact += tokens(text.slice(end, next));
      end = next;
    }
    budget -= end;
    countedChars += end;
    countedTokens += exact;
    if (end >= text.length) return exact;
    const rate = countedChars > 0 ? countedTokens / countedChars : DEFAULT_TOKENS_PER_CHAR;
    return exact + Math.ceil((text.length - end) * rate);
  };
}
