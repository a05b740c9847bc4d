import type { Credentials } from '@eventstore/db-client';

/**
 * What the adapter needs from the connection string besides the client itself. Pure (unit-tested in
 * eventstoredb-connection.spec.ts).
 */

/** The connection string without its credentials, for messages. */
export function redact(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/?]*@/, '//***@');
}

export interface ConnectionSettings {
  readonly insecure: boolean;
  readonly credentials: Credentials | null;
  readonly nodePreference: string | null;
}

export function connectionSettings(connectionString: string): ConnectionSettings {
  const rest = connectionString.replace(/^[a-z+]+:\/\//i, '');
  const hostsEnd = rest.search(/[/?]/);
  const authority = hostsEnd < 0 ? rest : rest.slice(0, hostsEnd);
  const at = authority.lastIndexOf('@');
  let credentials: Credentials | null = null;
  if (at > 0) {
    const [username, ...password] = authority.slice(0, at).split(':');
    credentials = {
      username: decodeURIComponent(username),
      password: decodeURIComponent(password.join(':')),
    };
  }
  const query = new URLSearchParams(connectionString.includes('?') ? connectionString.split('?')[1] : '');
  const param = (name: string): string | null => {
    for (const [key, value] of query) if (key.toLowerCase() === name.toLowerCase()) return value;
    return null;
  };
  return {
    insecure: param('tls')?.toLowerCase() === 'false',
    credentials,
    nodePreference: param('nodePreference'),
  };
}

/**
 * Credentials sent with every append. The client takes its batch-append path only for an append WITHOUT
 * per-call credentials (`appendToStream`: `!baseOptions.credentials && supports(batchAppend)`), and that path
 * is unsafe in @eventstore/db-client 6.x: one module-wide promise table for every batch-append stream, so one
 * transport error rejects every append in flight, and a reply that arrives after that throws inside the
 * stream's `data` handler (an uncaught exception: the process dies). Credentials on each append select the
 * unary `Append` call instead, which has a deadline and no shared table. On an insecure node the client drops
 * credentials (none are needed), so placeholders do.
 */
export function appendCredentials(settings: ConnectionSettings): Credentials | null {
  if (settings.credentials) return settings.credentials;
  if (settings.insecure) return { username: 'ledger', password: 'unused-on-an-insecure-node' };
  return null;
}

/** Why the connection string cannot serve the ledger's writer, or null. */
export function connectionProblem(settings: ConnectionSettings): string | null {
  if (settings.nodePreference !== null && settings.nodePreference.toLowerCase() !== 'leader')
    return (
      `nodePreference=${settings.nodePreference}: the ledger's writer must read and write on the leader ` +
      `(a follower may serve stale revisions); use nodePreference=leader or leave it out`
    );
  if (!settings.insecure && !settings.credentials)
    return (
      'a secure node needs a user in the connection string (esdb://user:password@host:2113), which the ' +
      'adapter sends with each append to avoid the client batch-append path'
    );
  return null;
}
