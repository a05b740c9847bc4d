import { BudgetSummary, useLedger } from '@run-ledger/react';
import { useId, useState, type FormEvent } from 'react';

/** "50, 80, 100" (percent of the limit) as the fractions `budget.set` takes; null when any part is not a number. */
export function parseThresholds(text: string): number[] | null {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.replace(/%$/, ''))
    .filter(Boolean);
  const fractions = parts.map((p) => (/^\d+(\.\d+)?$/.test(p) ? Number(p) / 100 : NaN));
  return fractions.some(Number.isNaN) ? null : fractions;
}

/** Set, clear and read one user's budget (`budget.set` / `budget.clear` / `budget.get {userId}`). */
export function AdminBudget() {
  const ledger = useLedger();
  const id = useId();
  const [userId, setUserId] = useState('');
  const [period, setPeriod] = useState<'day' | 'month'>('month');
  const [limit, setLimit] = useState('');
  const [thresholds, setThresholds] = useState('50, 80, 100');
  const [hard, setHard] = useState(true);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  // The budget shown below the form: whose, and a counter that remounts it to read it again after a change.
  const [shown, setShown] = useState<{ userId: string; version: number } | null>(null);

  const act = async (name: 'budget.set' | 'budget.clear', payload: Record<string, unknown>, done: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await ledger.command(name, payload);
      setMessage({ text: done, error: false });
    } catch (e) {
      setMessage({ text: `${name} failed: ${(e as Error).message}`, error: true });
    } finally {
      setBusy(false);
      setShown((s) => ({ userId: payload.userId as string, version: (s?.version ?? 0) + 1 }));
    }
  };

  const set = (e: FormEvent) => {
    e.preventDefault();
    const alertAt = parseThresholds(thresholds);
    if (!alertAt) {
      setMessage({
        text: 'Alert thresholds: percentages separated by commas, e.g. 50, 80, 100.',
        error: true,
      });
      return;
    }
    const user = userId.trim();
    void act(
      'budget.set',
      { userId: user, period, limit: limit.trim(), alertAt, hard },
      `Budget set for ${user}.`,
    );
  };

  /** A button acting on the budget of the user id typed in (disabled until there is one). */
  const forUser = (label: string, className: string, onClick: () => void) => (
    <button className={className} type="button" disabled={busy || !userId.trim()} onClick={onClick}>
      {label}
    </button>
  );

  return (
    <>
      <form className="rl-toolbar" onSubmit={set} aria-label="Budget">
        <label htmlFor={`${id}-user`}>User id</label>
        <input
          id={`${id}-user`}
          className="rl-input"
          required
          size={38}
          value={userId}
          onChange={(e) => setUserId(e.target.value)}
        />
        <label htmlFor={`${id}-period`}>Period</label>
        <select
          id={`${id}-period`}
          className="rl-select"
          value={period}
          onChange={(e) => setPeriod(e.target.value as 'day' | 'month')}
        >
          <option value="day">day</option>
          <option value="month">month</option>
        </select>
        <label htmlFor={`${id}-limit`}>Limit (USD)</label>
        <input
          id={`${id}-limit`}
          className="rl-input"
          required
          inputMode="decimal"
          size={10}
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
        />
        <label htmlFor={`${id}-alerts`}>Alert thresholds (%)</label>
        <input
          id={`${id}-alerts`}
          className="rl-input"
          size={14}
          value={thresholds}
          onChange={(e) => setThresholds(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={hard} onChange={(e) => setHard(e.target.checked)} /> Hard (refuse
          new tasks once spent)
        </label>
        <button className="rl-btn rl-btn-primary" type="submit" disabled={busy}>
          Set budget
        </button>
        {forUser('Show budget', 'rl-btn', () =>
          setShown((s) => ({ userId: userId.trim(), version: (s?.version ?? 0) + 1 })),
        )}
        {forUser(
          'Clear budget',
          'rl-btn rl-btn-danger',
          () => void act('budget.clear', { userId: userId.trim() }, `Budget cleared for ${userId.trim()}.`),
        )}
      </form>
      <p role={message?.error ? 'alert' : 'status'} className={message?.error ? 'rl-error' : undefined}>
        {message?.text}
      </p>
      {shown && <BudgetSummary key={`${shown.userId}#${shown.version}`} userId={shown.userId} />}
    </>
  );
}
