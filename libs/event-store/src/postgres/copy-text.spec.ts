import { CopyLines, copyValue } from './copy-text';

describe('COPY text format', () => {
  it('reads NULL, plain values and every escape COPY TO writes', () => {
    expect(copyValue('\\N')).toBeNull();
    expect(copyValue('plain value')).toBe('plain value');
    expect(copyValue('a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh')).toBe('a\tb\nc\rd\\e\bf\fg\vh');
    // A value that is the two characters backslash and N is written with its backslash escaped: not NULL.
    expect(copyValue('\\\\N')).toBe('\\N');
    // JSON's own escapes reach COPY as text with backslashes, which COPY doubles.
    expect(JSON.parse(copyValue('{"t":"line\\\\none \\\\"q\\\\""}') as string)).toEqual({
      t: 'line\none "q"',
    });
  });

  it('splits rows and columns across chunks cut anywhere, in a UTF-8 character too', () => {
    const text = 'é\t😀 x\t\\N\nsecond\trow\t3\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const lines = new CopyLines();
      const rows = [...lines.push(bytes.subarray(0, cut)), ...lines.push(bytes.subarray(cut))];
      expect(rows).toEqual([
        ['é', '😀 x', '\\N'],
        ['second', 'row', '3'],
      ]);
      expect(() => lines.end()).not.toThrow();
    }
  });

  it('refuses a stream that ends inside a row', () => {
    const lines = new CopyLines();
    expect(lines.push(Buffer.from('a\tb\nc\td'))).toEqual([['a', 'b']]);
    expect(() => lines.end()).toThrow(/ended inside a row/);
  });
});
