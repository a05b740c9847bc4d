import { exactCost, formatCost } from './format';

describe('formatCost', () => {
  it('rounds half up to three significant digits below a cent, never truncates', () => {
    expect(formatCost('0.00000375')).toBe('$0.00000375');
    expect(formatCost('0.0000036')).toBe('$0.0000036');
    expect(formatCost('0.0000666')).toBe('$0.0000666');
    expect(formatCost('0.00006665')).toBe('$0.0000667');
    expect(formatCost('0.0000029999')).toBe('$0.000003');
  });

  it('never shows a non-zero cost as zero, however small', () => {
    expect(formatCost('0.0000003')).toBe('$0.0000003');
    expect(formatCost('0.000000000123456')).toBe('$0.000000000123');
  });

  it('keeps up to six decimals (at least two) above that, rounded half up', () => {
    expect(formatCost('2.6218325')).toBe('$2.621833');
    expect(formatCost('0.1065')).toBe('$0.1065');
    expect(formatCost('0.01176')).toBe('$0.01176');
    expect(formatCost('12')).toBe('$12.00');
    expect(formatCost('2.5')).toBe('$2.50');
    expect(formatCost('0')).toBe('$0.00');
    expect(formatCost('0.000')).toBe('$0.00');
  });

  it('puts the sign before the dollar (a budget overspent)', () => {
    expect(formatCost('-0.5')).toBe('-$0.50');
    expect(formatCost('-0.00000375')).toBe('-$0.00000375');
  });

  it('says unpriced for no amount, and leaves a string it cannot read as it is', () => {
    expect(formatCost(null)).toBe('unpriced');
    expect(formatCost(undefined)).toBe('unpriced');
    expect(formatCost('n/a')).toBe('n/a');
  });
});

describe('exactCost', () => {
  it('is the whole amount when the shown one is rounded, else nothing', () => {
    expect(exactCost('0.0000666666')).toBe('$0.0000666666');
    expect(exactCost('2.6218325')).toBe('$2.6218325');
    expect(exactCost('0.0000666')).toBeUndefined();
    expect(exactCost('12')).toBeUndefined();
    expect(exactCost(null)).toBeUndefined();
  });
});
