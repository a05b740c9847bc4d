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
const DAY_MS = 86_400_000;

/** The states a reviewer found drawn wrong: a phone-wide Usage page, small and missing prices, failed and expired. */
(missing ? describe.skip : describe)('dashboard states in Chromium (real ledger, through the UI)', () => {
  let t: TestLedger;
  let built: string;
  let browser: Browser;
  let socket: Socket;
  let token: string;
  let runId: string;
  let failedTaskId: string;
  let smallCost: string | null;

  const projected = async () => {
    const head = await t.ledger.runtime.store.headPosition();
    if (head) await t.ledger.app.get(ProjectionHost).projector.waitFor(head);
  };
  const open = async (page: Page, route: string) => {
    await page.goto(`${t.url}/#token=${token}`);
    await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
    await page.goto(`${t.url}/#${route}`);
  };

  beforeAll(async () => {
    built = buildDashboard();
    [t, browser] = await Promise.all([startTestLedger({ LEDGER_WEB_DIR: built }), launchChromium()]);
    const userId = randomUUID();
    token = t.token(userId);
    socket = await connectClient(t.url, token);
    runId = (
      await ok<{ runId: string }>(socket, 'run.start', {
        sourceType: 'prompt',
        name: 'Failing prompt',
        settings: {},
      })
    ).runId;
    // A task that streamed part of its answer, then failed.
    const failed = taskPayload(runId, {
      userMessage: { content: 'Summarize the report' },
    });
    failedTaskId = failed.taskId;
    await ok(socket, 'task.create', failed);
    await ok(socket, 'task.chunks', {
      runId,
      taskId: failed.taskId,
      chunks: ['Sum', 'mary: '].map((text, seq) => ({ seq, text, offsetMs: 50 * (seq + 1) })),
    });
    await ok(socket, 'task.fail', {
      runId,
      taskId: failed.taskId,
      error: { code: 'rate_limit', message: 'Provider returned 429 Too Many Requests' },
    });
    // A few tokens of a cheap model (a cost of millionths of a dollar), and a model with no price at all.
    const small = taskPayload(runId, { model: 'gpt-4o-mini' });
    await ok(socket, 'task.create', small);
    const ack = await ok<{ cost: { amount: string | null } }>(socket, 'task.complete', {
      runId,
      taskId: small.taskId,
      usage: { inputTokens: 12, outputTokens: 3 },
    });
    smallCost = ack.cost.amount;
    const unpriced = taskPayload(runId, { provider: 'acme', model: 'acme-1' });
    await ok(socket, 'task.create', unpriced);
    await ok(socket, 'task.complete', {
      runId,
      taskId: unpriced.taskId,
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    await projected();
  }, 120_000);
  afterAll(async () => {
    socket?.close();
    await browser?.close();
    await t?.close();
    if (built) rmSync(built, { recursive: true, force: true });
  });

  it('fits the Usage page in 375 px: the usage table scrolls in its own box, not the page', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 375, height: 800 });
    await open(page, '/usage');
    const table = page.getByRole('table', { name: /^Usage per day/ });
    await table.getByRole('rowheader', { name: new Date().toISOString().slice(0, 10) }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // The table is wider than the phone, so its box does the scrolling (and is reachable by keyboard).
    const box = page.getByRole('region', { name: 'Usage per day' });
    const { scrollWidth, clientWidth } = await box.evaluate((b) => ({
      scrollWidth: b.scrollWidth,
      clientWidth: b.clientWidth,
    }));
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    expect(await box.getAttribute('tabindex')).toBe('0');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('shows a small cost rounded, not cut, and an unpriced model as unpriced (not $0.00)', async () => {
    // 12 input and 3 output tokens of gpt-4o-mini ($0.15 and $0.60 per million).
    expect(smallCost).toBe('0.0000036');
    const page = await browser.context.newPage();
    await open(page, '/usage');
    await page.getByLabel('Group by').selectOption('model');
    const cost = (model: string) =>
      page
        .getByRole('table', { name: /^Usage per model/ })
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: model, exact: true }) })
        .getByRole('cell')
        .nth(5);
    await expect(cost('acme-1').textContent()).resolves.toBe('unpriced');
    // Before: "$0.000003" (the digits after the sixth decimal were dropped).
    await expect(cost('gpt-4o-mini').textContent()).resolves.toBe('$0.0000036');
    await page.close();
  });

  it("keeps a failed task's streamed text on the run page, marked partial, beside its error", async () => {
    const page = await browser.context.newPage();
    await open(page, `/runs/${runId}`);
    await page.getByRole('heading', { name: 'Failing prompt' }).waitFor();
    const partial = page.getByRole('article', { name: 'assistant message, partial (the task failed)' });
    await partial.waitFor();
    expect(await partial.isVisible()).toBe(true);
    expect(await partial.locator(`[data-partial-task="${failedTaskId}"]`).textContent()).toBe('Summary: ');
    expect(await partial.getByText('rate_limit: Provider returned 429 Too Many Requests').isVisible()).toBe(
      true,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('marks an expired share link expired in the owner’s list, with nothing to revoke', async () => {
    await ok(socket, 'run.share', { runId, expiresInDays: 1 });
    await ok(socket, 'run.share', { runId, expiresInDays: 7 });
    await projected();
    const page = await browser.context.newPage();
    // Signed in first: two days on, the sign-in link's own token has expired too, and the dashboard refuses it.
    await open(page, `/runs/${runId}`);
    // Then two days on in the browser: the one-day link has expired, the seven-day one has not.
    await page.clock.setFixedTime(Date.now() + 2 * DAY_MS);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const links = page.getByRole('table', { name: 'Share links' });
    await links.getByRole('row').nth(2).waitFor();
    const states = await links.locator('tbody tr td:last-child').allTextContents();
    expect(states.sort()).toEqual(['Revoke', 'expired']);
    expect(await links.getByRole('button', { name: 'Revoke' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});
