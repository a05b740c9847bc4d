import { Throttle } from './throttle';

describe('Throttle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function recorder() {
    const sent: Array<[string, number, number]> = [];
    const throttle = new Throttle<string, number>(100, (value, key) => sent.push([key, value, Date.now()]));
    return { sent, throttle };
  }

  it('sends the first value at once, then at most one per interval: the latest', () => {
    const { sent, throttle } = recorder();
    const t0 = Date.now();
    throttle.submit('a', 1);
    throttle.submit('a', 2);
    throttle.submit('a', 3);
    expect(sent).toEqual([['a', 1, t0]]);
    jest.advanceTimersByTime(99);
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([
      ['a', 1, t0],
      ['a', 3, t0 + 100],
    ]);
    throttle.submit('a', 4);
    jest.advanceTimersByTime(100);
    expect(sent.map(([, v, at]) => [v, at - t0])).toEqual([
      [1, 0],
      [3, 100],
      [4, 200],
    ]);
    jest.advanceTimersByTime(100);
    expect(throttle.size).toBe(0);
    throttle.submit('a', 5);
    expect(sent[sent.length - 1]).toEqual(['a', 5, t0 + 300]);
  });

  it('waits after a value as long as the interval of that value says', () => {
    const sent: Array<[number, number]> = [];
    const t0 = Date.now();
    const throttle = new Throttle<string, number>(
      (value) => value * 100,
      (value) => sent.push([value, Date.now() - t0]),
    );
    throttle.submit('a', 5);
    throttle.submit('a', 1);
    jest.advanceTimersByTime(499);
    expect(sent).toEqual([[5, 0]]);
    jest.advanceTimersByTime(1);
    throttle.submit('a', 2);
    jest.advanceTimersByTime(100);
    expect(sent).toEqual([
      [5, 0],
      [1, 500],
      [2, 600],
    ]);
  });

  it('keeps keys apart', () => {
    const { sent, throttle } = recorder();
    throttle.submit('a', 1);
    throttle.submit('b', 1);
    throttle.submit('a', 2);
    expect(sent.map(([k, v]) => `${k}${v}`)).toEqual(['a1', 'b1']);
    jest.advanceTimersByTime(100);
    expect(sent.map(([k, v]) => `${k}${v}`)).toEqual(['a1', 'b1', 'a2']);
  });

  it('sends a final value at once, replacing the waiting one, and ends the window', () => {
    const { sent, throttle } = recorder();
    throttle.submit('a', 1);
    throttle.submit('a', 2);
    throttle.submit('a', 9, true);
    expect(sent.map(([, v]) => v)).toEqual([1, 9]);
    expect(throttle.size).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(sent.map(([, v]) => v)).toEqual([1, 9]);
  });

  it('drops the waiting values that match, and sends the others when their window ends', () => {
    const { sent, throttle } = recorder();
    for (const key of ['a', 'b']) throttle.submit(key, 1);
    throttle.submit('a', 2);
    throttle.submit('b', 2);
    throttle.drop((_value, key) => key === 'a');
    jest.advanceTimersByTime(100);
    expect(sent.map(([k, v]) => `${k}${v}`)).toEqual(['a1', 'b1', 'b2']);
  });
});
