import { CopyLines, copyValue, ownString } from './copy-text';

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

  it('joins a row that came in many chunks (here a byte each), and rows after it', () => {
    const text = `${'long é 😀 '.repeat(50)}\tend\nnext\t1\n`;
    const lines = new CopyLines();
    const rows: string[][] = [];
    for (const byte of Buffer.from(text, 'utf8')) rows.push(...lines.push(Buffer.from([byte])));
    expect(rows).toEqual([
      ['long é 😀 '.repeat(50), 'end'],
      ['next', '1'],
    ]);
    expect(() => lines.end()).not.toThrow();
  });

  it('copies a value into a string equal to it', () => {
    for (const value of ['', 'short', 'run-0b0d5a8e-4f5e-4b8e-9b7a-1c2d3e4f5a6b', 'é😀'.repeat(10)])
      expect(ownString(value)).toBe(value);
  });

  it('refuses a stream that ends inside a row', () => {
    const lines = new CopyLines();
    expect(lines.push(Buffer.from('a\tb\nc\td'))).toEqual([['a', 'b']]);
    expect(lines.push(Buffer.from('e'))).toEqual([]);
    expect(() => lines.end()).toThrow(/ended inside a row \(4 bytes/);
  });
});
