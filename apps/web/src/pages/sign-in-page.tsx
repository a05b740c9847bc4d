import { useId, useState } from 'react';
import { saveToken, type LinkTokenProblem, type Session } from '../session';

const LINK_PROBLEMS: Record<LinkTokenProblem, string> = {
  malformed:
    'it is not a valid token (not a JWT with a user id); the link may have been cut short when copied.',
  expired: 'it has expired. Ask for a new link (npx ledger open --user <uuid>).',
};

/** Paste a token to sign in (or open the `/#token=<jwt>` link that `npx ledger open --user <uuid>` prints). */
export function SignInPage({
  session,
  linkProblem,
  onSignedIn,
}: {
  session: Session | null;
  /** Why the `#token=` link this page was opened from was refused, if it was. */
  linkProblem: LinkTokenProblem | null;
  onSignedIn(s: Session): void;
}) {
  const id = useId();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Sign in</h2>
      {linkProblem && (
        <p role="alert" className="rl-error">
          The link’s token was refused: {LINK_PROBLEMS[linkProblem]}
        </p>
      )}
      {session && <p>You are signed in as {session.userId}.</p>}
      <p>
        Open the link that <code>npx ledger open --user &lt;uuid&gt;</code> prints (<code>/#token=…</code>),
        or paste a token (a JWT whose <code>sub</code> is your user id). It is kept for this browser tab only.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const s = saveToken(token);
          if (s) onSignedIn(s);
          else setError('That is not a token with a user id (sub).');
        }}
      >
        <label htmlFor={`${id}-token`}>Token</label>
        <textarea
          id={`${id}-token`}
          className="rl-input token"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        <p>
          <button className="rl-btn rl-btn-primary" type="submit">
            Sign in
          </button>
        </p>
        {error && (
          <p role="alert" className="rl-error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
