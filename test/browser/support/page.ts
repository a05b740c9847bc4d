import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

// Live list pushes (`runs.changed`) are the dashboard server's part of issue 14: once the contract lists them, the
// test demands them; until then it reloads the list to see a new run (and says so).
const CONTRACT = path.resolve(__dirname, '../../../libs/contract/src');
export const LIST_PUSHES = readdirSync(CONTRACT).some((f) =>
  readFileSync(path.join(CONTRACT, f), 'utf8').includes("'runs.changed'"),
);

/**
 * Waits until the runs list shows (or no longer shows) a run. With the `runs.changed`/`runs.removed` pushes it must
 * happen live; without them (a server before issue 14's pushes) the list is reloaded until it does, within a bound.
 */
export async function untilListed(page: Page, name: string, present: boolean) {
  const link = page.getByRole('link', { name, exact: true });
  if (LIST_PUSHES) return link.waitFor({ state: present ? 'visible' : 'detached', timeout: 30_000 });
  process.stdout.write(
    `[browser tests] no list pushes in the contract yet: reloading until "${name}" is ${present ? 'listed' : 'gone'}\n`,
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    await page.getByText(/run\(s\)|No runs\./).waitFor();
    if ((await link.count()) > 0 === present) return;
    await page.reload();
  }
  throw new Error(`"${name}" was still ${present ? 'missing' : 'listed'} after 50 reloads`);
}

/** Waits (bounded) until the element's text is exactly `text`. */
export function textIs(page: Page, selector: string, text: string) {
  return page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent === want,
    [selector, text] as const,
    { timeout: 30_000 },
  );
}
