import type { MatchRule } from './price-entry';

/**
 * Evaluates a genai-prices style match rule against a lower-cased model id. The result is 0 when the rule does
 * not match, else the length of the literal that matched, so that of two patterns the more specific one wins
 * (`starts_with gemini-2.5-flash-lite` over `starts_with gemini-2.5-flash`). Patterns are compared lower-cased.
 */
export function compileRule(rule: MatchRule): (model: string) => number {
  if ('equals' in rule) {
    const v = rule.equals.toLowerCase();
    return (m) => (m === v ? v.length : 0);
  }
  if ('starts_with' in rule) {
    const v = rule.starts_with.toLowerCase();
    return (m) => (m.startsWith(v) ? v.length : 0);
  }
  if ('ends_with' in rule) {
    const v = rule.ends_with.toLowerCase();
    return (m) => (m.endsWith(v) ? v.length : 0);
  }
  if ('contains' in rule) {
    const v = rule.contains.toLowerCase();
    return (m) => (m.includes(v) ? v.length : 0);
  }
  if ('regex' in rule) {
    const re = new RegExp(rule.regex, 'i');
    const literal = rule.regex.replace(/\\.|[^a-z0-9-]/gi, '').length;
    return (m) => (re.test(m) ? Math.max(1, literal) : 0);
  }
  if ('or' in rule) {
    const parts = rule.or.map(compileRule);
    return (m) => Math.max(0, ...parts.map((p) => p(m)));
  }
  const parts = rule.and.map(compileRule);
  return (m) => {
    const weights = parts.map((p) => p(m));
    return weights.every((w) => w > 0) ? Math.max(...weights) : 0;
  };
}

/** The exact ids a rule names (`equals`, also inside `or`): they rank above patterns. */
export function exactIds(rule: MatchRule): string[] {
  if ('equals' in rule) return [rule.equals.toLowerCase()];
  if ('or' in rule) return rule.or.flatMap(exactIds);
  return [];
}
