import { useLedger } from '@run-ledger/react';
import { useCallback, useEffect, useState } from 'react';
import { AdminBudget } from './admin-budget';

type Row = Record<string, unknown>;

const cell = (v: unknown) =>
  v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Entries of the catalog shown at once: it holds hundreds, so it is filtered rather than laid out whole. */
const CATALOG_ROWS_SHOWN = 50;

/** The price catalog, filtered by any text of an entry (id, model, provider, source), at most 50 rows at once. */
function CatalogTable({ rows }: { rows: Row[] }) {
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const matching = needle ? rows.filter((r) => JSON.stringify(r).toLowerCase().includes(needle)) : rows;
  return (
    <>
      <label>
        Filter the price catalog{' '}
        <input className="rl-input" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      <p className="rl-muted" role="status">
        {matching.length > CATALOG_ROWS_SHOWN
          ? `Showing ${CATALOG_ROWS_SHOWN} of ${matching.length} entries; filter to narrow them.`
          : `${matching.length} of ${rows.length} entries.`}
      </p>
      <Table caption="Price catalog" rows={matching.slice(0, CATALOG_ROWS_SHOWN)} />
    </>
  );
}

/** Rows of any shape as a table (the admin commands' rows gain fields over versions: all are shown). */
function Table({ caption, rows }: { caption: string; rows: Row[] }) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (rows.length === 0) return <p className="rl-muted">{caption}: none.</p>;
  return (
    // Scrolls sideways when wide: focusable, so a keyboard can scroll it too.
    <div style={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-label={caption}>
      <table className="rl-table">
        <caption style={{ textAlign: 'left', fontWeight: 600 }}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cell(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One admin command's rows (the first of `keys` its answer has), or what went wrong (an older server may not know it). */
function useAdminRows(command: string, keys: string[], version: number) {
  const ledger = useLedger();
  const [state, setState] = useState<{ rows: Row[]; error: string | null }>({ rows: [], error: null });
  useEffect(() => {
    let live = true;
    // A server without the command never answers it: give up after a few seconds and say so.
    ledger.command<Record<string, unknown>>(command, {}, { timeoutMs: 5_000 }).then(
      (data) => {
        const key = keys.find((k) => Array.isArray(data[k]));
        if (live) setState({ rows: key ? (data[key] as Row[]) : [], error: null });
      },
      (e: Error) => live && setState({ rows: [], error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [ledger, command, keys.join(), version]); // keys by value: a new array each render is the same keys
  return state;
}

/** `projections.progress` ({name, phase, events, total?}) in words; any other field is shown as it is. */
function describeProgress({ name, phase, events, total, ...rest }: Row): string {
  const count = typeof total === 'number' ? `${cell(events)} of ${total}` : cell(events);
  const more = Object.entries(rest).map(([k, v]) => `, ${k} ${cell(v)}`);
  return `Rebuilding ${cell(name)}: ${cell(phase)}, ${count} events${more.join('')}…`;
}

/**
 * Projections (lag, state, quarantined runs), rebuild with live progress, users' budgets, the price catalog, models
 * missing a price.
 */
export default function AdminPage() {
  const ledger = useLedger();
  const [version, setVersion] = useState(0);
  const [progress, setProgress] = useState<Row | null>(null);
  const [rebuilding, setRebuilding] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const status = useAdminRows('projections.status', ['projections'], version);
  const prices = useAdminRows('prices.list', ['entries', 'prices'], 0);
  const missing = useAdminRows('prices.missing', ['models'], version);
  useEffect(() => ledger.onPush<Row>('projections.progress', setProgress), [ledger]);

  const rebuild = useCallback(async () => {
    setRebuilding(true);
    setMessage(null);
    setProgress(null);
    try {
      const done = await ledger.request('projections.rebuild', {});
      setMessage(`Rebuilt ${done.name}: ${done.events} events in ${done.ms} ms.`);
    } catch (e) {
      setMessage(`Rebuild failed: ${(e as Error).message}`);
    } finally {
      setRebuilding(false);
      setVersion((v) => v + 1);
    }
  }, [ledger]);

  return (
    <section aria-label="Admin">
      <h2>Admin</h2>
      <h3>Projections</h3>
      {status.error && <p className="rl-error">{status.error}</p>}
      <Table caption="Projection status" rows={status.rows} />
      <div className="rl-toolbar">
        <button className="rl-btn" type="button" onClick={() => setVersion((v) => v + 1)}>
          Refresh
        </button>
        <button
          className="rl-btn rl-btn-danger"
          type="button"
          disabled={rebuilding}
          onClick={() => void rebuild()}
        >
          Rebuild projections
        </button>
      </div>
      <p role="status">
        {rebuilding && (progress ? describeProgress(progress) : 'Rebuilding…')}
        {!rebuilding && message}
      </p>
      <h3>Budgets</h3>
      <AdminBudget />
      <h3>Prices</h3>
      {missing.error && <p className="rl-muted">Models missing a price: {missing.error}</p>}
      <Table caption="Models missing a price" rows={missing.rows} />
      {prices.error && <p className="rl-muted">Price catalog: {prices.error}</p>}
      <CatalogTable rows={prices.rows} />
    </section>
  );
}
