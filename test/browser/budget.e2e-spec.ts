import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { connectClient, ok, startTestLedger, taskPayload, type TestLedger } from '../support/ledger-server';
import { seriousViolations } from './support/axe';
import { chromiumMissing, launchChromium, type Browser } from './support/chromium';
import { buildDashboard, serveDashboard, type StaticSite } from './support/dashboard-server';

const SHOTS = path.resolve(__dirname, '../../docs/screenshots');
/** gpt-4o input is 2.5 USD per million tokens: one such task costs exactly 2.5. */
const TASK_USAGE = { inputTokens: 1_000_000, outputTokens: 0 };
const missing = chromiumMissing();
if (missing) process.stdout.write(`\n[browser tests] ${missing}\n`);

(missing ? describe.skip : describe)(
  'budgets in the dashboard (Chromium, real ledger, real database)',
  () => {
    let t: TestLedger;
    let site: StaticSite;
    let browser: Browser;
    let admin: Page;
    let user: Page;
    let socket: Socket;
    const userId = randomUUID();
    const consoleErrors: string[] = [];

    const open = async (token: string, route: string) => {
      const page = await browser.context.newPage();
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      await page.goto(`${site.url}/?ledger=${encodeURIComponent(t.url)}#token=${token}`);
      await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
      await page.getByRole('link', { name: route }).click();
      return page;
    };
    const noSeriousViolations = async (page: Page, label: string) => {
      const violations = await seriousViolations(page);
      expect({ page: label, violations }).toEqual({ page: label, violations: [] });
    };
    const meterText = (page: Page) =>
      page.getByRole('meter', { name: 'Budget spent' }).getAttribute('aria-valuetext');
    const completedTask = async (runId: string) => {
      const task = taskPayload(runId);
      await ok(socket, 'task.create', task);
      const done = await ok<{ cost: { amount: string } }>(socket, 'task.complete', {
        runId,
        taskId: task.taskId,
        usage: TASK_USAGE,
      });
      expect(done.cost.amount).toBe('2.5');
    };

    beforeAll(async () => {
      const built = buildDashboard();
      t = await startTestLedger();
      [site, browser] = await Promise.all([serveDashboard(built, t.url), launchChromium()]);
      socket = await connectClient(t.url, t.token(userId));
    }, 120_000);
    afterAll(async () => {
      socket?.close();
      await browser?.close();
      await site?.close();
      await t?.close();
    });

    it('an admin sets a user’s budget on the Admin page and sees it', async () => {
      admin = await open(t.token(randomUUID(), { admin: true }), 'Admin');
      const form = admin.getByRole('form', { name: 'Budget', exact: true });
      await form.getByLabel('User id').fill(userId);
      await form.getByLabel('Period').selectOption('day');
      await form.getByLabel('Limit (USD)').fill('10');
      await form.getByLabel('Alert thresholds (%)').fill('50, 80, 100');
      expect(await form.getByRole('checkbox', { name: /Hard/ }).isChecked()).toBe(true);
      await form.getByRole('button', { name: 'Set budget' }).click();
      await admin
        .getByRole('status')
        .filter({ hasText: `Budget set for ${userId}.` })
        .waitFor();
      await admin.getByRole('meter', { name: 'Budget spent' }).waitFor();
      expect(await meterText(admin)).toBe('$0.00 of $10.00 (0 %)');
      await noSeriousViolations(admin, 'admin, budget form');
    });

    it('the user’s Usage page shows spend against the limit, and the alert arrives live as tasks cross 50 %', async () => {
      user = await open(t.token(userId), 'Usage');
      await user.getByRole('meter', { name: 'Budget spent' }).waitFor();
      expect(await meterText(user)).toBe('$0.00 of $10.00 (0 %)');
      const budget = user.getByRole('region', { name: 'Budget', exact: true });
      expect(await budget.getByText('hard: new tasks refused once spent').count()).toBe(1);

      const { runId } = await ok<{ runId: string }>(socket, 'run.start', {
        sourceType: 'chat',
        name: 'Spending run',
        settings: {},
      });
      await completedTask(runId); // 2.5
      await completedTask(runId); // 5: 50 %
      const alert = '50 % of the daily budget reached: $5.00 of $10.00 spent.';
      // In the budget's own live region, and in the banner every page has.
      await user.getByRole('region', { name: 'Budget alerts' }).getByText(alert).waitFor();
      await user.getByRole('status', { name: 'Budget alert' }).getByText(alert).waitFor();
      await user.waitForFunction(
        () =>
          document.querySelector('[role="meter"]')?.getAttribute('aria-valuetext') ===
          '$5.00 of $10.00 (50 %)',
        undefined,
        { timeout: 30_000 },
      );
      expect(await budget.locator('[data-budget="spent"]').textContent()).toBe('$5.00');
      expect(await budget.locator('[data-budget="remaining"]').textContent()).toBe('$5.00');
      await noSeriousViolations(user, 'usage, budget with an alert');
      await user.emulateMedia({ colorScheme: 'dark' });
      await noSeriousViolations(user, 'usage, budget with an alert, dark');
      await user.emulateMedia({ colorScheme: 'light' });
      await user.screenshot({ path: path.join(SHOTS, 'budget.png'), fullPage: true });
    });

    it('the admin reads the spend with budget.get {userId}, then clears the budget', async () => {
      await admin.getByRole('button', { name: 'Show budget' }).click();
      await admin.waitForFunction(
        () =>
          document.querySelector('[role="meter"]')?.getAttribute('aria-valuetext') ===
          '$5.00 of $10.00 (50 %)',
        undefined,
        { timeout: 30_000 },
      );
      // The alert went to the user's sockets only.
      expect(await admin.getByText(/of the daily budget reached/).count()).toBe(0);
      await admin.getByRole('button', { name: 'Clear budget' }).click();
      await admin
        .getByRole('status')
        .filter({ hasText: `Budget cleared for ${userId}.` })
        .waitFor();
      await admin.getByRole('region', { name: 'Budget', exact: true }).getByText('No budget.').waitFor();
      await user.reload();
      await user.getByRole('region', { name: 'Budget', exact: true }).getByText('No budget.').waitFor();
    });

    afterAll(() => {
      expect(consoleErrors.filter((e) => /Content Security Policy|Refused to|Uncaught/i.test(e))).toEqual([]);
    });
  },
);
