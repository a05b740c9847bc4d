import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { ProjectionHost } from '../../apps/ledger/src/read/projection-host';
import { connectClient, ok, startTestLedger, taskPayload, type TestLedger } from '../support/ledger-server';
import { seriousViolations } from './support/axe';
import { chromiumMissing, launchChromium, type Browser } from './support/chromium';
import { buildDashboard } from './support/dashboard-server';

const missing = chromiumMissing();
if (missing) process.stdout.write(`\n[browser tests] ${missing}\n`);

(missing ? describe.skip : describe)('a share link in Chromium (served by the ledger, no sign-in)', () => {
  let t: TestLedger;
  let built: string;
  let browser: Browser;
  let page: Page;
  let owner: Socket;
  let ownerToken: string;
  let runId: string;
  let link: { shareId: string; url: string };
  const requests: string[] = [];

  const projected = async () => {
    const head = await t.ledger.runtime.store.headPosition();
    if (head) await t.ledger.app.get(ProjectionHost).projector.waitFor(head);
  };

  beforeAll(async () => {
    built = buildDashboard();
    // The ledger serves this build itself: the link's page and its API are on the ledger's own origin.
    [t, browser] = await Promise.all([startTestLedger({ LEDGER_WEB_DIR: built }), launchChromium()]);
    ownerToken = t.token(randomUUID());
    owner = await connectClient(t.url, ownerToken);
    runId = (
      await ok<{ runId: string }>(owner, 'run.start', {
        sourceType: 'chat',
        name: 'Shared answer',
        settings: {},
      })
    ).runId;
    const task = taskPayload(runId, { userMessage: { content: 'What is six times seven?' } });
    await ok(owner, 'task.create', task);
    const chunks = ['It is ', '**42**', '.'];
    await ok(owner, 'task.chunks', {
      runId,
      taskId: task.taskId,
      chunks: chunks.map((text, seq) => ({ seq, text, offsetMs: 20 * (seq + 1) })),
    });
    await ok(owner, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 7, outputTokens: 3 },
    });
    link = await ok<{ shareId: string; url: string }>(owner, 'run.share', { runId, expiresInDays: 1 });
    await projected();
    // A fresh profile that never signed in: no token in any storage, no header, no cookie.
    page = await browser.context.newPage();
    page.on('request', (r) => requests.push(`${r.url()} ${r.headers().authorization ?? ''}`));
  }, 120_000);
  afterAll(async () => {
    owner?.close();
    await browser?.close();
    await t?.close();
    if (built) rmSync(built, { recursive: true, force: true });
  });

  it('shows the conversation read-only and replays it, with no serious accessibility violation', async () => {
    // Without LEDGER_PUBLIC_URL the link's origin is the address the sharer's socket used: this server.
    expect(link.url.startsWith(`${t.url}/share/`)).toBe(true);
    const response = await page.goto(link.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['x-robots-tag']).toContain('noindex');
    expect(await page.locator('meta[name="robots"]').getAttribute('content')).toContain('noindex');
    await page.getByRole('heading', { name: 'Shared answer' }).waitFor();
    await page.getByText('What is six times seven?').first().waitFor();
    for (const name of ['Rename', 'Star', 'Archive', 'Delete', 'Share'])
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);

    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Replay finished' }).waitFor({ timeout: 30_000 });
    const answer = page.locator('section[aria-label="Replayed conversation"] [data-replay-text]');
    expect(await answer.locator('strong').textContent()).toBe('42');

    const violations = await seriousViolations(page);
    expect(violations).toEqual([]);
    expect(requests.filter((r) => r.includes('/socket.io/'))).toEqual([]);
    expect(requests.filter((r) => / \S+$/.test(r))).toEqual([]);
  });

  it('says not found once the link is revoked', async () => {
    await ok(owner, 'run.unshare', { runId, shareId: link.shareId });
    await projected();
    const response = await page.goto(link.url);
    expect(response?.status()).toBe(404);
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
    expect(await page.getByText('What is six times seven?').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("the owner makes, copies and revokes a link with the run page's Share button", async () => {
    const dashboard = await browser.context.newPage();
    await dashboard.goto(`${t.url}/#token=${ownerToken}`);
    await dashboard.getByRole('link', { name: 'Shared answer', exact: true }).click();
    await dashboard.getByRole('button', { name: 'Share', exact: true }).click();
    // The link revoked above is listed, revoked; a new one is made with its own expiry.
    await dashboard
      .getByRole('table', { name: 'Share links' })
      .getByText(/^revoked /)
      .waitFor();
    await dashboard.getByLabel('Expires in (days)').fill('3');
    await dashboard.getByRole('button', { name: 'Create link' }).click();
    const field = dashboard.getByLabel('Link (shown once)');
    await field.waitFor();
    const url = await field.inputValue();
    expect(url).toMatch(new RegExp(`^${t.url}/share/[A-Za-z0-9_-]{43}$`));
    const revoke = dashboard.getByRole('button', { name: 'Revoke' });
    await revoke.waitFor();
    await projected();

    const viewer = await browser.context.newPage();
    expect((await viewer.goto(url))?.status()).toBe(200);
    await viewer.getByText('What is six times seven?').first().waitFor();

    await revoke.click();
    await dashboard.getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' });
    await projected();
    expect((await viewer.goto(url))?.status()).toBe(404);
    await viewer.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
    expect(await seriousViolations(dashboard)).toEqual([]);
    await viewer.close();
    await dashboard.close();
  });
});
