import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { RebuildProgress, RunListItem, RunView } from '@ledger/contract';
import { ProjectionHost } from '../apps/ledger/src/read/projection-host';
import { PushService } from '../apps/ledger/src/read/push.service';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  waitForEvent,
  type TestLedger,
} from './support/ledger-server';

type List = { runs: RunListItem[]; nextCursor: string | null };

/** The server API the dashboard is built on: search and filters, live runs-list pushes, admin commands. */
describe('dashboard API over a real socket', () => {
  let t: TestLedger;

  /** Resolves once the projector has committed everything now in the log, and its pushes went out. */
  async function projected(): Promise<void> {
    const head = await t.ledger.runtime.store.headPosition();
    if (head) await t.ledger.app.get(ProjectionHost).projector.waitFor(head);
    await t.ledger.app.get(PushService).runsList.idle();
  }

  /** A run with one completed task whose user message is `message`. */
  async function conversation(
    socket: Socket,
    options: { name?: string; message: string; reply?: string; model?: string; sourceType?: string },
  ): Promise<string> {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', {
      sourceType: options.sourceType ?? 'chat',
      settings: {},
      ...(options.name && { name: options.name }),
    });
    const task = taskPayload(runId, {
      model: options.model ?? 'gpt-4o',
      userMessage: { content: options.message },
    });
    await ok(socket, 'task.create', task);
    const text = options.reply ?? 'ok';
    await ok(socket, 'task.chunk', { runId, taskId: task.taskId, seq: 0, text, offsetMs: 5 });
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 4, outputTokens: 1 },
    });
    return runId;
  }

  async function list(socket: Socket, payload: Record<string, unknown> = {}): Promise<List> {
    await projected();
    return ok<List>(socket, 'runs.list', payload);
  }

  async function allPages(socket: Socket, payload: Record<string, unknown>): Promise<RunListItem[]> {
    const runs: RunListItem[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const result: List = await list(socket, { ...payload, ...(cursor && { cursor }) });
      runs.push(...result.runs);
      cursor = result.nextCursor;
      if (!cursor) return runs;
    }
    throw new Error('more than 50 pages');
  }

  /** Waits until the clock is past `iso`, so that later writes are recorded strictly after it. */
  async function after(iso: string): Promise<string> {
    const t0 = Date.parse(iso);
    for (let i = 0; Date.now() <= t0 + 1; i++) {
      if (i > 1000) throw new Error('clock did not move');
      await new Promise((resolve) => setImmediate(resolve));
    }
    return new Date(t0 + 1).toISOString();
  }

  beforeAll(async () => {
    t = await startTestLedger();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('runs.list search and filters', () => {
    let alice: Socket;
    let bob: Socket;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      alice = await connectClient(t.url, t.token());
      bob = await connectClient(t.url, t.token());
      ids.alpha = await conversation(alice, {
        name: 'Alpha report',
        message: 'summarise the quarter',
        reply: 'Revenue grew by forty-two percent.',
      });
      ids.fox = await conversation(alice, {
        message: 'The Quick brown fox jumps',
        model: 'claude-sonnet-4',
        sourceType: 'prompt',
      });
      ids.percent = await conversation(alice, { message: 'I am 100% sure', model: 'claude-sonnet-4' });
      ids.thousand = await conversation(alice, { message: 'I am 1000 sure' });
      ids.underscore = await conversation(alice, { message: 'call snake_case here' });
      ids.snake = await conversation(alice, { message: 'call snakeXcase here' });
      ids.backslash = await conversation(alice, { message: 'a back\\slash' });
      ids.bobFox = await conversation(bob, { name: 'quick fox of bob', message: 'quick brown fox' });
    });
    afterAll(() => {
      alice?.close();
      bob?.close();
    });

    const names = (runs: RunListItem[]) => runs.map((r) => r.id);

    it('finds runs by a substring of the name or of a message, in any case, never another user’s', async () => {
      expect(names((await list(alice, { q: 'ALPHA rep' })).runs)).toEqual([ids.alpha]);
      expect(names((await list(alice, { q: 'quick BROWN' })).runs)).toEqual([ids.fox]);
      expect(names((await list(alice, { q: 'quarter' })).runs)).toEqual([ids.alpha]);
      expect(names((await list(alice, { q: 'FORTY-two' })).runs)).toEqual([ids.alpha]);
      expect(names((await list(bob, { q: 'quick' })).runs)).toEqual([ids.bobFox]);
      expect((await list(alice, { q: 'no such words anywhere' })).runs).toEqual([]);
    });

    it('searches names only for 1 or 2 characters (message text from 3)', async () => {
      // "qu" is in the fox run's name (made from its first message) and in the text of the alpha run's message.
      expect(names((await list(alice, { q: 'QU' })).runs)).toEqual([ids.fox]);
      expect(names((await list(alice, { q: 'qua' })).runs)).toEqual([ids.alpha]);
    });

    it('matches %, _ and \\ literally', async () => {
      expect(names((await list(alice, { q: '100%' })).runs)).toEqual([ids.percent]);
      expect(names((await list(alice, { q: 'snake_case' })).runs)).toEqual([ids.underscore]);
      expect(names((await list(alice, { q: 'back\\slash' })).runs)).toEqual([ids.backslash]);
      expect((await list(alice, { q: 'snake\\case' })).runs).toEqual([]);
    });

    it('treats a blank q as no search, and refuses a q over 200 characters', async () => {
      expect((await list(alice, { q: '   ' })).runs).toHaveLength(Object.keys(ids).length - 1);
      expect(await send(alice, 'runs.list', { q: 'x'.repeat(201) })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
    });

    it('filters by model and gives each run the models of its tasks', async () => {
      const { runs } = await list(alice, { model: 'claude-sonnet-4' });
      expect(names(runs)).toEqual([ids.percent, ids.fox]);
      expect(runs.every((r) => r.models.length === 1 && r.models[0] === 'claude-sonnet-4')).toBe(true);
      expect(
        (await list(alice, { model: 'claude-sonnet-4', q: 'quick', sourceType: 'prompt' })).runs,
      ).toEqual([expect.objectContaining({ id: ids.fox, models: ['claude-sonnet-4'] })]);
      expect((await list(alice, { model: 'claude-sonnet-4', sourceType: 'chat' })).runs).toHaveLength(1);
    });

    it('filters by last activity: from and to are inclusive, a date is its whole UTC day', async () => {
      const before = await list(alice);
      const newest = before.runs[0];
      const boundary = await after(newest.lastMessageAt ?? newest.updatedAt);
      await after(boundary);
      const late = await conversation(alice, { message: 'after the boundary' });
      expect(names((await list(alice, { from: boundary })).runs)).toEqual([late]);
      expect(names((await list(alice, { to: boundary })).runs)).toEqual(names(before.runs));
      const today = boundary.slice(0, 10);
      const all = (await list(alice)).runs;
      const ofToday = all.filter((r) => (r.lastMessageAt ?? r.updatedAt).startsWith(today));
      expect(ofToday.length).toBeGreaterThan(0);
      expect(names((await list(alice, { from: today, to: today })).runs)).toEqual(names(ofToday));
      expect((await list(alice, { to: '2000-01-01' })).runs).toEqual([]);
      expect(await send(alice, 'runs.list', { from: '2025-02-01', to: '2025-01-31' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
      expect(await send(alice, 'runs.list', { from: 'yesterday' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
    });

    it('refuses a teamId that is not one of the teams of the token FORBIDDEN (test/teams.e2e-spec.ts: teams)', async () => {
      expect(await send(alice, 'runs.list', { teamId: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    });
  });

  it('pages with a cursor through search and filters: newest activity first, each run once', async () => {
    const carol = await connectClient(t.url, t.token());
    const made: string[] = [];
    for (let i = 0; i < 9; i++)
      made.push(
        await conversation(carol, {
          message: i % 3 === 0 ? `plain ${i}` : `needle ${i}`,
          sourceType: i % 2 ? 'chat' : 'prompt',
        }),
      );
    // Newest activity first, ties (same millisecond) by id: the order of one big page.
    const full = (await list(carol, { limit: 200 })).runs;
    expect(full.map((r) => r.id).sort()).toEqual([...made].sort());
    const activity = full.map((r) => r.lastMessageAt ?? r.updatedAt);
    expect([...activity].sort().reverse()).toEqual(activity);
    const message = (r: RunListItem) => r.messages[0]?.content ?? '';
    const source = new Map(full.map((r) => [r.id, r.sourceType]));
    const needles = full.filter((r) => message(r).startsWith('needle')).map((r) => r.id);
    expect(needles).toHaveLength(6);
    expect((await allPages(carol, { q: 'needle', limit: 2 })).map((r) => r.id)).toEqual(needles);
    expect((await allPages(carol, { q: 'NEEDLE', sourceType: 'chat', limit: 1 })).map((r) => r.id)).toEqual(
      needles.filter((id) => source.get(id) === 'chat'),
    );
    expect((await allPages(carol, { limit: 4 })).map((r) => r.id)).toEqual(full.map((r) => r.id));
    carol.close();
  });

  describe('live runs-list pushes', () => {
    it('pushes a run created, renamed, starred, archived and deleted to its owner’s sockets only', async () => {
      const ownerId = randomUUID();
      const owner = await connectClient(t.url, t.token(ownerId));
      const ownerTab = await connectClient(t.url, t.token(ownerId));
      const stranger = await connectClient(t.url, t.token());
      // The runs list's pushes go to the sockets that listed their runs (as the dashboard does first).
      for (const socket of [owner, ownerTab, stranger]) await ok(socket, 'runs.list', {});
      const leaked: unknown[] = [];
      stranger.on('runs.changed', (p: unknown) => leaked.push(p));
      stranger.on('runs.removed', (p: unknown) => leaked.push(p));
      // The stranger's own run proves its socket does get its own pushes meanwhile.
      const strangerSeen = waitForEvent<{ run: RunView }>(stranger, 'runs.changed');
      const strangerRun = await ok<{ runId: string }>(stranger, 'run.start', {
        sourceType: 'chat',
        settings: {},
      });
      expect((await strangerSeen).run.id).toBe(strangerRun.runId);

      const created = waitForEvent<{ run: RunListItem }>(owner, 'runs.changed');
      const inOtherTab = waitForEvent<{ run: RunListItem }>(ownerTab, 'runs.changed');
      const { runId } = await ok<{ runId: string }>(owner, 'run.start', {
        sourceType: 'chat',
        settings: {},
        name: 'first name',
      });
      expect((await created).run).toMatchObject({ id: runId, name: 'first name', models: [], taskCount: 0 });
      expect((await inOtherTab).run.id).toBe(runId);

      const withTask = waitForEvent<{ run: RunListItem }>(
        owner,
        'runs.changed',
        ({ run }) => run.id === runId && run.taskCount === 1 && run.totalTokens === 5,
      );
      const task = taskPayload(runId, { model: 'gpt-4o-mini', userMessage: { content: 'hello' } });
      await ok(owner, 'task.create', task);
      await ok(owner, 'task.complete', {
        runId,
        taskId: task.taskId,
        usage: { inputTokens: 3, outputTokens: 2 },
      });
      expect((await withTask).run).toMatchObject({ models: ['gpt-4o-mini'], messageCount: 2 });

      // The run page subscribes to the run: it gets run.updated after each management command too.
      await ok(ownerTab, 'run.subscribe', { runId });
      for (const [command, payload, expected] of [
        ['run.rename', { runId, name: 'second name' }, { name: 'second name' }],
        ['run.star', { runId, starred: true }, { starred: true }],
        ['run.star', { runId, starred: false }, { starred: false }],
        ['run.archive', { runId }, { archived: true }],
      ] as const) {
        const matches = (run: RunView) =>
          run.id === runId && Object.entries(expected).every(([k, v]) => run[k as 'name'] === v);
        const pushed = waitForEvent<{ run: RunListItem }>(owner, 'runs.changed', ({ run }) => matches(run));
        const updated = waitForEvent<{ run: RunView }>(ownerTab, 'run.updated', ({ run }) => matches(run));
        expect(await send(owner, command, payload)).toEqual({ ok: true, data: {} });
        expect((await pushed).run.models).toEqual(['gpt-4o-mini']);
        await updated;
      }
      expect((await list(owner, { archived: true })).runs.map((r) => r.id)).toEqual([runId]);
      expect((await list(owner)).runs).toEqual([]);

      const removed = waitForEvent<{ runId: string }>(owner, 'runs.removed');
      const removedInTab = waitForEvent<{ runId: string }>(ownerTab, 'runs.removed');
      expect(await send(owner, 'run.delete', { runId })).toEqual({ ok: true, data: {} });
      expect(await removed).toEqual({ runId });
      expect(await removedInTab).toEqual({ runId });
      expect(await send(owner, 'run.get', { runId })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });

      await projected();
      const about = (p: unknown) => (p as { run?: RunView }).run?.id ?? (p as { runId: string }).runId;
      expect(leaked.filter((p) => about(p) !== strangerRun.runId)).toEqual([]);
      expect(leaked.length).toBeGreaterThan(0);
      for (const s of [owner, ownerTab, stranger]) s.close();
    });

    it('sends them only to the sockets that listed their runs; a run page subscribed to a run hears of its removal', async () => {
      const userId = randomUUID();
      const lister = await connectClient(t.url, t.token(userId));
      const writer = await connectClient(t.url, t.token(userId)); // an application recording its calls
      const runPage = await connectClient(t.url, t.token(userId)); // a run page opened from a link
      await ok(lister, 'runs.list', {});
      const unasked: Array<[string, unknown]> = [];
      for (const [name, socket] of [
        ['writer', writer],
        ['run page', runPage],
      ] as const) {
        socket.on('runs.changed', (p: unknown) => unasked.push([name, p]));
        socket.on('runs.removed', (p: unknown) => unasked.push([name, p]));
      }

      const listed: RunListItem[] = [];
      lister.on('runs.changed', ({ run }: { run: RunListItem }) => listed.push(run));
      const runId = await conversation(writer, { message: 'recorded by an app' });
      await projected(); // the run's last commit is projected and handed to the runs-list pushes
      const { run } = await ok<{ run: RunView }>(writer, 'run.get', { runId });
      const final = (r: RunListItem) => r.id === runId && r.version >= run.version;
      // Checked and, if not there yet, awaited in the same turn: the trailing push of the final state arrives.
      if (!listed.some(final))
        await waitForEvent<{ run: RunListItem }>(lister, 'runs.changed', (p) => final(p.run));
      // A push to the writer would have left in the same broadcast, before these acks: it would be here by now.
      await ok(writer, 'run.get', { runId });
      await ok(runPage, 'run.get', { runId });
      expect(unasked).toEqual([]);

      await ok(runPage, 'run.subscribe', { runId });
      const removedOnPage = waitForEvent<{ runId: string }>(runPage, 'runs.removed');
      const removedInList = waitForEvent<{ runId: string }>(lister, 'runs.removed');
      expect(await send(writer, 'run.delete', { runId })).toEqual({ ok: true, data: {} });
      expect(await removedInList).toEqual({ runId });
      expect(await removedOnPage).toEqual({ runId });
      await send(writer, 'run.get', { runId }); // a round trip after the removal went out
      expect(unasked).toEqual([['run page', { runId }]]);
      for (const s of [lister, writer, runPage]) s.close();
    });
  });

  describe('admin commands', () => {
    it('lists the price catalog and the models without a price, for admins only', async () => {
      const admin = await connectClient(t.url, t.token(randomUUID(), { admin: true }));
      const user = await connectClient(t.url, t.token());
      await conversation(user, { message: 'unpriced', model: 'no-such-model-1' });
      await conversation(user, { message: 'unpriced again', model: 'no-such-model-1' });
      const { entries } = await ok<{ entries: Array<{ id: string; provider: string; model: string }> }>(
        admin,
        'prices.list',
        {},
      );
      expect(entries.length).toBeGreaterThan(10);
      expect(entries).toContainEqual(expect.objectContaining({ provider: 'openai', model: 'gpt-4o' }));
      await projected();
      const { models } = await ok<{ models: Array<{ provider: string; model: string; tasks: number }> }>(
        admin,
        'prices.missing',
        {},
      );
      expect(models).toContainEqual({ provider: 'openai', model: 'no-such-model-1', tasks: 2 });
      expect(models.find((m) => m.model === 'gpt-4o')).toBeUndefined();
      for (const name of ['prices.list', 'prices.missing'])
        expect(await send(user, name, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await send(admin, 'prices.list', { extra: 1 })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
      admin.close();
      user.close();
    });

    it('rebuilds with progress pushed to the caller, and search still works on the rebuilt tables', async () => {
      const adminId = randomUUID();
      const admin = await connectClient(t.url, t.token(adminId, { admin: true }));
      const bystander = await connectClient(t.url, t.token());
      const foreign: unknown[] = [];
      bystander.on('projections.progress', (p: unknown) => foreign.push(p));
      const marker = `rebuild-marker-${randomUUID().slice(0, 8)}`;
      const runId = await conversation(bystander, { message: `find ${marker} again` });
      await projected();
      expect((await list(bystander, { q: marker })).runs.map((r) => r.id)).toEqual([runId]);
      // Documents lost (or stale) are recomputed by the rebuild from the rows.
      await t.pool.query('DELETE FROM ai_run_search');
      expect((await list(bystander, { q: marker })).runs).toEqual([]);
      const progress: RebuildProgress[] = [];
      admin.on('projections.progress', (p: RebuildProgress) => progress.push(p));
      const done = waitForEvent<RebuildProgress>(admin, 'projections.progress', (p) => p.phase === 'done');
      const result = await ok<{ name: string; events: number }>(admin, 'projections.rebuild', {});
      expect(await done).toEqual({
        name: 'runs',
        phase: 'done',
        events: result.events,
        total: result.events,
      });
      expect(progress[0].phase).toBe('fold');
      expect(progress.every((p) => p.name === 'runs' && p.events <= result.events)).toBe(true);
      expect(foreign).toEqual([]);
      expect((await list(bystander, { q: marker })).runs.map((r) => r.id)).toEqual([runId]);
      // The new ai_runs keeps its documents current: a run written after the rebuild, and a rename, are found.
      const later = await conversation(bystander, { message: `${marker} after the rebuild` });
      await ok(bystander, 'run.rename', { runId, name: 'renamed after the rebuild' });
      expect((await list(bystander, { q: marker })).runs.map((r) => r.id)).toEqual([later, runId]);
      expect((await list(bystander, { q: 'RENAMED after' })).runs.map((r) => r.id)).toEqual([runId]);
      const indexes = await t.pool.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE indexname IN ('ai_run_search_idx', 'ai_tasks_user_model_idx')",
      );
      expect(indexes.rows.map((r) => r.indexname).sort()).toEqual([
        'ai_run_search_idx',
        'ai_tasks_user_model_idx',
      ]);
      admin.close();
      bystander.close();
    });
  });
});
