import { parseDurationSeconds } from '@ledger/config';
import { usage } from './cli-io';

/**
 * The lifetime `--expires` asks of a token (`ledger token`, `ledger open`), in seconds. A lifetime over
 * LEDGER_TOKEN_MAX_TTL is a usage error (exit 2): the ledger would refuse the token, so printing it would only
 * move the failure to the first sign-in.
 */
export function tokenLifetimeSeconds(expires: string, maxTtlSeconds: number): number {
  const seconds = parseDurationSeconds(expires);
  if (seconds === null || seconds < 1)
    return usage('--expires must be a duration such as 3600, 15m, 12h or 7d');
  if (seconds > maxTtlSeconds)
    return usage(
      `--expires ${expires} is longer than LEDGER_TOKEN_MAX_TTL (${maxTtlSeconds} s); the ledger would refuse the token`,
    );
  return seconds;
}
