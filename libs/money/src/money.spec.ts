import { Money, addMoney, money, sameMoney, subMoney, sumMoney } from '@ledger/money';

describe('money', () => {
  it('prints an amount canonically: no exponent, no trailing zeros', () => {
    expect(money('1.50')).toBe('1.5');
    expect(money('0.0000003')).toBe('0.0000003');
    expect(money(1e21)).toBe('1000000000000000000000');
    expect(money('12')).toBe('12');
  });

  it('adds and subtracts exactly, far beyond a float (and beyond decimal.js defaults of 20 digits)', () => {
    expect(addMoney('0.1', '0.2')).toBe('0.3');
    const tiny = '0.000000000000000000000000000001';
    expect(addMoney('1000000000000', tiny)).toBe(`1000000000000${tiny.slice(1)}`);
    expect(subMoney(addMoney('1000000000000', tiny), tiny)).toBe('1000000000000');
    expect(addMoney('1', null, undefined, '2')).toBe('3');
    expect(addMoney()).toBe('0');
    expect(subMoney('5', null)).toBe('5');
  });

  it('multiplies a token count by a price without rounding (checked with Python decimal at 200 digits)', () => {
    expect(new Money('9007199254740991').times('0.000000123456789012345678').toFixed()).toBe(
      '1111999897.984715757218771248286898',
    );
  });

  it('sums to a value and compares amounts by number, not text', () => {
    expect(sumMoney(['1.25', null, 2]).toFixed()).toBe('3.25');
    expect(sameMoney('1.50', '1.5')).toBe(true);
    expect(sameMoney('1.5', '1.51')).toBe(false);
  });
});
