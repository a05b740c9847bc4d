import { ManualClock } from './clock';

describe('ManualClock', () => {
  it('runs timers only when advanced, in due order, each at its own time; cancelled ones never', () => {
    const clock = new ManualClock(1000);
    const ran: Array<[string, number]> = [];
    clock.setTimer(() => ran.push(['b', clock.now()]), 200);
    clock.setTimer(() => ran.push(['a', clock.now()]), 100);
    clock.setTimer(() => ran.push(['never', clock.now()]), 150).cancel();
    clock.advance(99);
    expect(ran).toEqual([]);
    clock.advance(150);
    expect(ran).toEqual([
      ['a', 1100],
      ['b', 1200],
    ]);
    expect(clock.now()).toBe(1249);
    expect(clock.pending).toBe(0);
  });

  it('runs a timer set by a timer when it falls due within the same advance', () => {
    const clock = new ManualClock();
    const ran: number[] = [];
    const again = () => {
      ran.push(clock.now());
      if (ran.length < 3) clock.setTimer(again, 100);
    };
    clock.setTimer(again, 100);
    clock.advance(1000);
    expect(ran).toEqual([100, 200, 300]);
  });
});
