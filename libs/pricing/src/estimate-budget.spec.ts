import { countTokens as cl100kCount } from 'gpt-tokenizer/cjs/encoding/cl100k_base';
import { countTokens as o200kCount } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { BUDGET_CHARS, boundedCounter, WINDOW_CHARS, windowEnd } from './estimate-budget';
import { defaultPricing } from './pricing';

const plain = { disallowedSpecial: new Set<string>() };
const o200k = (text: string) => o200kCount(text, plain);
const cl100k = (text: string) => cl100kCount(text, plain);

/** Text of every kind the patterns split differently: words, numbers, punctuation, runs of spaces, newlines, CJK. */
function mixedText(chars: number): string {
  const parts = [
    'The quick brown fox jumps over the lazy dog. ',
    "It's 12345 o'clock, isn't it?  Two  spaces,\tand a tab.\n\n",
    'def f(x):\n    return x ** 2  # comment\n',
    '日本語の文章です。 Ünïcödé wörds — and emoji 😀 🎉 here. ',
    '{"json": [1, 2.5, "three"], "nested": {"k": null}} ',
    'https://example.com/a/b?c=d&e=f ',
  ];
  let text = '';
  for (let i = 0; text.length < chars; i++) text += parts[(i * 7) % parts.length];
  return text.slice(0, chars);
}

describe('the bounds of a token estimate', () => {
  it('counts text in windows that add up to the count of the whole text (o200k and cl100k)', () => {
    const text = mixedText(40_000);
    expect(text.length).toBeGreaterThan(WINDOW_CHARS * 10);
    expect(boundedCounter(o200k)(text)).toBe(o200k(text));
    expect(boundedCounter(cl100k)(text)).toBe(cl100k(text));
  });

  it('cuts a window with no space at its end, never inside a surrogate pair', () => {
    const text = 'a'.repeat(WINDOW_CHARS - 1) + '😀'.repeat(WINDOW_CHARS);
    expect(windowEnd(text, 0)).toBe(WINDOW_CHARS - 1);
    expect(windowEnd('b'.repeat(3 * WINDOW_CHARS), 0)).toBe(WINDOW_CHARS);
    // Before the last space that has other characters on both sides, not one in a run of spaces.
    const spaced = `${'x'.repeat(400)} ${'y'.repeat(400)}  ${'z'.repeat(400)}`;
    expect(windowEnd(spaced, 0)).toBe(400);
  });

  it('estimates a 1 MiB piece with no space without counting it whole (it took minutes: quadratic in its length)', () => {
    const text = 'a'.repeat(1024 * 1024);
    // 'a' × 1000 is 125 tokens; the text past the budget is counted at that rate.
    expect(boundedCounter(o200k)(text)).toBe(text.length / 8);
    const usage = defaultPricing().estimate({
      provider: 'openai',
      model: 'gpt-4o',
      requestData: { messages: [{ role: 'user', content: text }] },
      responseText: text,
    });
    // The request took the budget: the response is counted at its rate (its role's token included).
    expect(Math.abs(usage.outputTokens / (text.length / 8) - 1)).toBeLessThan(0.001);
    expect(Math.abs(usage.inputTokens / (text.length / 8) - 1)).toBeLessThan(0.001);
  });

  it('counts past its budget at the rate of what it counted: within 2% of the exact count', () => {
    const text = mixedText(8 * BUDGET_CHARS);
    const exact = o200k(text);
    const estimated = boundedCounter(o200k)(text);
    expect(Math.abs(estimated - exact) / exact).toBeLessThan(0.02);
    // The budget is the estimate's, over all its texts: a second text is counted at the rate of the first.
    const count = boundedCounter(o200k);
    count(mixedText(BUDGET_CHARS));
    const second = mixedText(10_000);
    expect(Math.abs(count(second) - o200k(second)) / o200k(second)).toBeLessThan(0.05);
  });
});
