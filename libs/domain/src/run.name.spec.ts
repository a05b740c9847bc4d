import { nameFromMessage } from './run.state';

const isWellFormed = (s: string) => !/\p{Surrogate}/u.test(s);

describe('nameFromMessage', () => {
  it('keeps an emoji at index 59 whole (60 characters, never half a surrogate pair)', () => {
    const name = nameFromMessage(`${'a'.repeat(59)}😀 and the rest`);
    expect(name).toBe(`${'a'.repeat(59)}😀`);
    expect(isWellFormed(name)).toBe(true);
  });

  it('counts grapheme clusters: a flag, a family emoji and a letter with its accents are one character each', () => {
    const flag = '🇫🇷';
    const family = '👨‍👩‍👧';
    const accented = 'e\u0301';
    expect(nameFromMessage(`${'b'.repeat(58)}${flag}${family}xyz`)).toBe(`${'b'.repeat(58)}${flag}${family}`);
    expect(nameFromMessage(accented.repeat(70))).toBe(accented.repeat(60));
  });

  it('characters of every plane are cut whole', () => {
    const planes = ['\u{10000}', '\u{20000}', '\u{30000}', '\u{E0041}', '\u{F0000}', '\u{10FFFF}'];
    for (const c of planes) {
      const name = nameFromMessage(`x${c.repeat(80)}`);
      expect(isWellFormed(name)).toBe(true);
      expect(name.startsWith('x')).toBe(true);
    }
  });

  it('never makes a name longer than run.rename accepts (500), even from clusters of combining marks', () => {
    const zalgo = `a${'\u0301'.repeat(100)}`;
    const name = nameFromMessage(zalgo.repeat(60));
    expect(name.length).toBeLessThanOrEqual(500);
    expect(name).toBe(zalgo.repeat(4));
  });

  it('trims, and short messages stay as they are', () => {
    expect(nameFromMessage('   Hello there  ')).toBe('Hello there');
    expect(nameFromMessage(`${'c'.repeat(59)} tail`)).toBe('c'.repeat(59));
  });
});
