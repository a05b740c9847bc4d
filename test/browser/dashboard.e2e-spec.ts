import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { connectClient, ok, startTestLedger, taskPayload, type TestLedger } from '../support/ledger-server';
import { seriousViolations } from './support/axe';
import { chromiumMissing, launchChromium, type Browser } from './support/chromium';
import { buildDashboard, serveDashboard, type StaticSite } from './support/dashboard-server';
import { textIs, untilListed } from './support/page';

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'docs/screenshots');
const missing = chromiumMissing();
if (missing) process.stdout.write(`\n[browser tests] ${missing}\n`);
const CHUNKS = ['The answer ', 'is **42**', ', as ', 'computed ', 'below:\n\n', '```ts\nconst x = 42;\n```'];

(missing ? describe.skip : describe)(
  'dashboard in Chromium (real ledger, real database, through the UI)',
  () => {
    let t: TestLedger;
    let site: StaticSite;
    let browser: Browser;
    let page: Page;
    let socket: Socket;
    const userId = randomUUID();
    const otherUser = randomUUID();
    let runId: string;
    let taskId: string;
    let otherRunId: string;
    const consoleErrors: string[] = [];

    const noSeriousViolations = async (label: string) => {
      const violations = await seriousViolations(page);
      expect({ page: label, violations }).toEqual({ page: label, violations: [] });
    };

    beforeAll(async () => {
      const built = buildDashboard();
      t = await startTestLedger();
      [site, browser] = await Promise.all([serveDashboard(built, t.url), launchChromium()]);
      page = await browser.context.newPage();
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      socket = await connectClient(t.url, t.token(userId));
      const other = await connectClient(t.url, t.token(otherUser));
      otherRunId = (
        await ok<{ runId: string }>(other, 'run.start', {
          sourceType: 'chat',
          name: 'Secret run of another user',
          settings: {},
        })
      ).runId;
      other.close();
    }, 120_000);
    afterAll(async () => {
      socket?.close();
      await browser?.close();
      await site?.close();
      await t?.close();
    });

    it('signs in from /#token=<jwt>: the token leaves the address bar and stays in sessionStorage', async () => {
      await page.goto(`${site.url}/?ledger=${encodeURIComponent(t.url)}#token=${t.token(userId)}`);
      await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
      expect(new URL(page.url()).hash).toBe('#/runs');
      expect(await page.evaluate(() => sessionStorage.getItem('run-ledger.token'))).toBeTruthy();
      await page.getByText('No runs.').waitFor();
      // The components' styles apply under the page's Content-Security-Policy (no inline <style> allowed).
      expect(
        await page
          .getByRole('button', { name: 'Sign out' })
          .evaluate((b) => getComputedStyle(b).borderRadius),
      ).toBe('6px');
      await noSeriousViolations('runs list (empty)');
    });

    it('shows a run created over the socket, never another user’s', async () => {
      runId = (
        await ok<{ runId: string }>(socket, 'run.start', {
          sourceType: 'chat',
          name: 'Answer to everything',
          settings: { model: 'gpt-4o' },
        })
      ).runId;
      await untilListed(page, 'Answer to everything', true);
      expect(await page.getByRole('link', { name: 'Secret run of another user' }).count()).toBe(0);
      expect(await page.getByRole('link').filter({ hasText: 'Secret' }).count()).toBe(0);
    });

    it('opens the run from the list by keyboard and watches a task stream live', async () => {
      await page.getByRole('link', { name: 'Answer to everything' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Answer to everything' }).waitFor();
      for (const name of ['Replay', 'Rename', 'Star', 'Archive', 'Delete'])
        await page.getByRole('button', { name, exact: true }).waitFor();
      await page.getByLabel('Speed').waitFor();

      const task = taskPayload(runId, { userMessage: { content: 'What is the answer?' } });
      taskId = task.taskId;
      await ok(socket, 'task.create', task);
      const streaming = `[data-streaming-task="${taskId}"]`;
      let sent = '';
      for (const [seq, text] of CHUNKS.entries()) {
        await ok(socket, 'task.chunk', { runId, taskId, seq, text, offsetMs: 1000 * (seq + 1) });
        sent += text;
        // Each chunk shows before the next is sent: the text grows live, in order.
        await textIs(page, streaming, sent);
      }
      await ok(socket, 'task.complete', {
        runId,
        taskId,
        usage: { inputTokens: 12, outputTokens: 9 },
        finishReason: 'stop',
        totalTimeMs: 7000,
      });
      await page.locator(`section[data-task-id="${taskId}"] [data-status="completed"]`).waitFor();
      expect(await page.locator('article.rl-msg-assistant strong').first().textContent()).toBe('42');
      await page.locator('pre code').first().waitFor();
      // The request payload, opened (a scrollable JSON block must be reachable by keyboard).
      await page.locator(`section[data-task-id="${taskId}"] summary`, { hasText: 'Request' }).click();
      await page.locator(`section[data-task-id="${taskId}"] pre.rl-json`).waitFor();
      await noSeriousViolations('run view');
      await page.emulateMedia({ colorScheme: 'dark' });
      await noSeriousViolations('run view, dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await page.screenshot({ path: path.join(SHOTS, 'run-view.png'), fullPage: true });
    });

    it('renames and stars the run from its page', async () => {
      await page.getByRole('button', { name: 'Rename', exact: true }).click();
      await page.getByLabel('New name').fill('The answer, renamed');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByRole('heading', { name: 'The answer, renamed' }).waitFor();
      const star = page.getByRole('button', { name: 'Star', exact: true });
      await star.click();
      await page.waitForFunction(() =>
        [...document.querySelectorAll('button')].some(
          (b) => b.textContent === 'Star' && b.getAttribute('aria-pressed') === 'true',
        ),
      );
      const { run } = await ok<{ run: { name: string; starred: boolean } }>(socket, 'run.get', { runId });
      expect(run).toMatchObject({ name: 'The answer, renamed', starred: true });
    });

    it('replays at 10×: the text grows chunk by chunk, in order, to the whole answer', async () => {
      const version = Number(await page.locator('[aria-label="Version"]').getAttribute('max'));
      expect(version).toBeGreaterThanOrEqual(CHUNKS.length + 1);
      await page.getByLabel('Speed').selectOption({ label: '10×' });
      await page.evaluate(() => {
        // Every state of the replayed answer, with the task's status then (streaming text is shown raw).
        const seen: Array<{ status: string; text: string }> = [];
        (window as unknown as { __seen: typeof seen }).__seen = seen;
        new MutationObserver(() => {
          const card = document.querySelector('section[aria-label="Replayed conversation"] article');
          const text = card?.querySelector('[data-replay-text]')?.textContent;
          const status = card?.getAttribute('data-status') ?? '';
          const last = seen[seen.length - 1];
          if (text !== undefined && text !== null && (text !== last?.text || status !== last?.status))
            seen.push({ status, text });
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      await page.getByRole('button', { name: 'Replay', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Replay finished' }).waitFor({ timeout: 30_000 });
      const seen = await page.evaluate(
        () => (window as unknown as { __seen: Array<{ status: string; text: string }> }).__seen,
      );
      const whole = CHUNKS.join('');
      const partial = seen.filter((s) => s.status !== 'completed').map((s) => s.text);
      // While streaming, every state is a prefix of the answer and extends the one before (never a reordering)…
      partial.forEach((text, i) => {
        expect(whole.startsWith(text)).toBe(true);
        if (i > 0) expect(text.startsWith(partial[i - 1])).toBe(true);
      });
      // …it grew in steps (chunks are 100 ms apart at 10×), and it ends as the whole answer, rendered as markdown.
      expect(
        partial.filter((text) => text.length > 0 && text.length < whole.length).length,
      ).toBeGreaterThanOrEqual(2);
      expect(seen[seen.length - 1].status).toBe('completed');
      const answer = page.locator('section[aria-label="Replayed conversation"] [data-replay-text]');
      expect(await answer.locator('strong').textContent()).toBe('42');
      expect(await answer.locator('pre code').textContent()).toBe('const x = 42;\n');
      await noSeriousViolations('replay player');
      await page
        .locator('[aria-label="Replay player"]')
        .screenshot({ path: path.join(SHOTS, 'replay-player.png') });
    });

    it('scrubs, by keyboard, to an earlier version and shows the run as it was then (run.at)', async () => {
      const slider = page.getByRole('slider', { name: 'Version' });
      await slider.focus();
      await page.keyboard.press('Home');
      // Version 0 is RunStarted, 1 TaskCreated, 2 and 3 the first two chunks.
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      await page.getByRole('status').filter({ hasText: 'The run as it was at version 3' }).waitFor();
      expect(await page.locator('[data-replay-text]').first().textContent()).toBe(CHUNKS[0] + CHUNKS[1]);
      // As it was then: the run had its first name.
      await page
        .locator('section[aria-label="Replayed conversation"] h3', { hasText: 'Answer to everything' })
        .waitFor();
    });

    it('exports the run as JSONL (every event, in order) and resumes it with its conversation', async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export JSONL' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`run-${runId}.jsonl`);
      const lines = readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\n');
      const events = lines.map((l) => JSON.parse(l) as { version: number; type: string });
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i));
      expect(events[0].type).toBe('RunStarted');
      expect(events.filter((e) => e.type === 'ChunkReceived')).toHaveLength(CHUNKS.length);

      await page.getByRole('button', { name: 'Resume', exact: true }).click();
      const resumed = page.getByRole('region', { name: 'Resume this run' });
      await resumed.getByText('OpenAI messages (2)').waitFor();
      await resumed.getByText('Anthropic messages (2)').waitFor();
    });

    it('archives the run: gone from the list, back with the Archived filter', async () => {
      await page.getByRole('button', { name: 'Archive', exact: true }).click();
      await page.getByText(/· archived ·/).waitFor();
      await page.getByRole('link', { name: '← All runs' }).click();
      await page.getByText('No runs.').waitFor();
      await page.getByLabel('Archived').check();
      await page.getByRole('link', { name: 'The answer, renamed' }).waitFor();
      await page.getByLabel('Archived').uncheck();
    });

    it('shows usage per day as a chart and a table', async () => {
      await page.getByRole('link', { name: 'Usage' }).click();
      await page.getByTestId('usage-chart').waitFor();
      await page.locator('.recharts-bar-rectangle').first().waitFor();
      const today = new Date().toISOString().slice(0, 10);
      await page.getByRole('rowheader', { name: today }).waitFor();
      await noSeriousViolations('usage');
      await page.screenshot({ path: path.join(SHOTS, 'usage.png'), fullPage: true });
    });

    it('never shows another user’s run, even by its address', async () => {
      await page.goto(`${site.url}/?ledger=${encodeURIComponent(t.url)}#/runs/${otherRunId}`);
      await page.getByRole('status').filter({ hasText: 'There is no such run' }).waitFor();
      expect(await page.getByText('Secret run of another user').count()).toBe(0);
    });

    it('lists runs newest first, usable at 375 px wide, and deletes a run only after confirmation', async () => {
      for (const name of ['Older run', 'Newest run'])
        await ok(socket, 'run.start', { sourceType: 'applet', name, settings: { model: 'claude-sonnet-4' } });
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(`${site.url}/?ledger=${encodeURIComponent(t.url)}#/runs`);
      await untilListed(page, 'Newest run', true);
      await untilListed(page, 'Older run', true);
      const names = await page.locator('[role="row"] a').allTextContents();
      expect(names.slice(0, 2)).toEqual(['Newest run', 'Older run']);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await noSeriousViolations('runs list at 375 px');
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: path.join(SHOTS, 'runs-list.png') });

      await page.getByRole('link', { name: 'Older run' }).click();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('alertdialog').waitFor();
      await page.getByRole('button', { name: 'Confirm delete' }).click();
      await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
      await page.getByRole('link', { name: 'Newest run' }).waitFor();
      await untilListed(page, 'Older run', false);
      expect(await page.evaluate(() => sessionStorage.getItem('run-ledger.token'))).toBeTruthy();
    });

    afterAll(() => {
      // Nothing the Content-Security-Policy refused, no script error, in the whole session.
      expect(consoleErrors.filter((e) => /Content Security Policy|Refused to|Uncaught/i.test(e))).toEqual([]);
    });

    it('signs out (the token is forgotten) and an admin sees the admin page', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('run-ledger.token'))).toBeNull();
      await noSeriousViolations('sign-in');
      await page.getByLabel('Token').fill(t.token(userId, { admin: true }));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('table', { name: 'Projection status' }).waitFor();
      await noSeriousViolations('admin');
      await page.getByRole('button', { name: 'Rebuild projections' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^Rebuilt \S+: \d+ events in \d+ ms\.$/ })
        .waitFor({ timeout: 60_000 });
    });
  },
);
