import { formatTime, useLedger } from '@run-ledger/react';
import { useCallback, useEffect, useId, useState } from 'react';

interface ShareView {
  shareId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  include: string[];
}

/**
 * The time the list is drawn at, moved on when the next of the links expires, so that a link open on screen turns
 * expired then (the browser's clock: the ledger decides with its own, and an expired link opens nothing there).
 */
function useNow(shares: ShareView[]): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const current = Date.now();
    setNow(current);
    const next = Math.min(
      ...shares.map((s) => Date.parse(s.expiresAt)).filter((at) => !Number.isNaN(at) && at > current),
    );
    if (!Number.isFinite(next)) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(next - current, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [shares]);
  return now;
}

/**
 * The run page's Share button: makes a read-only link (with its expiry, and whether request payloads show), shows
 * it once to copy (the ledger keeps only its hash), and lists the run's links: revoked, expired (nothing left to
 * revoke), or with a Revoke button.
 */
export function ShareLinks({ runId }: { runId: string }) {
  const ledger = useLedger();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState(7);
  const [withRequests, setWithRequests] = useState(false);
  const [made, setMade] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [shares, setShares] = useState<ShareView[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const now = useNow(shares);

  const refresh = useCallback(async () => {
    const { shares } = await ledger.command<{ shares: ShareView[] }>('run.shares', { runId });
    setShares(shares);
  }, [ledger, runId]);
  useEffect(() => {
    if (open) void refresh().catch((e: Error) => setFailure(e.message));
  }, [open, refresh]);

  const act = (action: () => Promise<unknown>) => {
    setFailure(null);
    void action()
      .then(refresh)
      .catch((e: Error) => setFailure(e.message));
  };
  const create = () =>
    act(async () => {
      const { url } = await ledger.command<{ url: string }>('run.share', {
        runId,
        commandId: crypto.randomUUID(),
        expiresInDays: days,
        ...(withRequests && { include: ['requestData'] }),
      });
      setMade(url);
      setCopied(false);
    });

  return (
    <section className="rl-card" aria-label="Share this run">
      <button className="rl-btn" type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Share
      </button>
      {open && (
        <div>
          <p className="rl-muted">
            Anyone with the link sees this run (its conversation, tasks and replay) without signing in, until
            it expires or you revoke it. It never shows your user id.
          </p>
          <form
            className="rl-toolbar"
            aria-label="New share link"
            onSubmit={(e) => {
              e.preventDefault();
              create();
            }}
          >
            <label htmlFor={`${id}-days`}>Expires in (days)</label>
            <input
              id={`${id}-days`}
              className="rl-input"
              type="number"
              min={1}
              max={365}
              value={days}
              onChange={(e) => setDays(Math.min(365, Math.max(1, Number(e.target.value) || 1)))}
            />
            <label>
              <input
                type="checkbox"
                checked={withRequests}
                onChange={(e) => setWithRequests(e.target.checked)}
              />{' '}
              Include request payloads
            </label>
            <button className="rl-btn rl-btn-primary" type="submit">
              Create link
            </button>
          </form>
          {made && (
            <p>
              <label htmlFor={`${id}-url`}>Link (shown once)</label>{' '}
              <input id={`${id}-url`} className="rl-input" readOnly value={made} size={60} />{' '}
              <button
                className="rl-btn"
                type="button"
                onClick={() =>
                  void navigator.clipboard.writeText(made).then(
                    () => setCopied(true),
                    () => setFailure('copying failed: select the link and copy it'),
                  )
                }
              >
                Copy link
              </button>
              <span role="status">{copied ? ' Copied.' : ''}</span>
            </p>
          )}
          {failure && (
            <p className="rl-error" role="alert">
              {failure}
            </p>
          )}
          {shares.length > 0 && (
            <table aria-label="Share links">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Shows requests</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {shares.map((s) => (
                  <tr key={s.shareId}>
                    <td>{formatTime(s.createdAt)}</td>
                    <td>{formatTime(s.expiresAt)}</td>
                    <td>{s.include.includes('requestData') ? 'yes' : 'no'}</td>
                    <td>
                      {s.revokedAt ? (
                        `revoked ${formatTime(s.revokedAt)}`
                      ) : Date.parse(s.expiresAt) <= now ? (
                        'expired'
                      ) : (
                        <button
                          className="rl-btn rl-btn-danger"
                          type="button"
                          onClick={() =>
                            act(() =>
                              ledger.command('run.unshare', {
                                runId,
                                shareId: s.shareId,
                                commandId: crypto.randomUUID(),
                              }),
                            )
                          }
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
