import { exactCost, formatCost } from './format';

/** A cost, rounded for reading; when rounding changed it, the exact amount is its tooltip. */
export function Cost({ amount }: { amount: string | null | undefined }) {
  const exact = exactCost(amount);
  return <span title={exact && `exactly ${exact}`}>{formatCost(amount)}</span>;
}
