import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { ShareView } from '@ledger/contract';
import { asUser, rebuild } from '@ledger/projections';
import { ProjectionHost } from '../../apps/ledger/src/read/projection-host';
import { ShareService, type SharedRun } from '../../apps/ledger/src/read/shares';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  type TestLedger,
} from '../support/ledger-server';

/** Share links end to end: real server, socket.io client, PostgreSQL, and HTTP with no credentials at all. */
describe('share links', () => {
  let t: TestLedger;
  let owner: Socket;
  let stranger: Socket;
  const ownerId = randomUUID();

  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_PUBLIC_URL: 'https://ledger.example.test/' });
    owner = await connectClient(t.url, t.token(ownerId));
    stranger = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    owner?.close();
    stranger?.close();
    await t?.close();
  });

  async function projected(): Promise<void> {
    const head = await t.ledger.runtime.store.headPosition();
    if (head) await t.ledger.app.get(ProjectionHost).projector.waitFor(head);
  }

  /** Runs `body` with the live projector stopped: what it checks cannot come from the read model's catching up. */
  async function whileNotProjecting(body: () => Promise<void>): Promise<void> {
    const projector = t.ledger.app.get(ProjectionHost).projector;
    await projector.stop();
    try {
      await body();
    } finally {
      await projector.start();
    }
  }

  async function conversation(message: string): Promise<string> {
    const { runId } = await ok<{ runId: string }>(owner, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId, {
      userMessage: { content: message },
      requestData: { messages: [{ role: 'user', content: `secret request of ${message}` }] },
    });
    await ok(owner, 'task.create', task);
    await ok(owner, 'task.chunk', {
      runId,
      taskId: task.taskId,
      seq: 0,
      text: `answer to ${message}`,
      offsetMs: 5,
    });
    await ok(owner, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 3, outputTokens: 2 },
    });
    return runId;
  }

  /** The link's path on the test server (its ack names LEDGER_PUBLIC_URL's origin). */
  async function share(runId: string, extra: Record<string, unknown> = {}) {
    const ack = await ok<{ shareId: string; url: string }>(owner, 'run.share', { runId, ...extra });
    await projected();
    return { ...ack, path: new URL(ack.url).pathname, token: ack.url.split('/share/')[1] };
  }

  const api = (token: string) => fetch(`${t.url}/api/share/${token}`);

  it('opens the run with no sign-in, shows that run only, with no user id nor request payloads', async () => {
    const runId = await conversation('first');
    const other = await conversation('second');
    const link = await share(runId);
    expect(link.url).toMatch(/^https:\/\/ledger\.example\.test\/share\/[A-Za-z0-9_-]{43}$/);

    const res = await api(link.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-robots-tag')).toContain('noindex');
    const body = (await res.json()) as SharedRun;
    expect(body.run.id).toBe(runId);
    expect(body.run.messages.map((m) => m.content)).toEqual(['first', 'answer to first']);
    expect(body.tasks).toHaveLength(1);
    expect(body.events.map((e) => e.type)).toEqual([
      'RunStarted',
      'TaskCreated',
      'RunRenamed',
      'ChunkReceived',
      'TaskCompleted',
    ]);
    const text = JSON.stringify(body);
    expect(text).not.toContain(ownerId);
    expect(text).not.toContain('secret request');
    expect(text).not.toContain(other);
    expect(text).not.toContain(link.token);

    const page = await fetch(`${t.url}${link.path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-robots-tag')).toContain('noindex');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('shows request payloads only when the sharer included them', async () => {
    const runId = await conversation('third');
    const link = await share(runId, { include: ['requestData'] });
    const body = (await (await api(link.token)).json()) as SharedRun;
    expect(body.tasks[0].requestData).toEqual({
      messages: [{ role: 'user', content: 'secret request of third' }],
    });
    expect(JSON.stringify(body)).not.toContain(ownerId);
  });

  it('lists links without their tokens, answers a retry with the same link, and revokes at once', async () => {
    const runId = await conversation('fourth');
    const commandId = randomUUID();
    const first = await ok<{ shareId: string; url: string }>(owner, 'run.share', {
      runId,
      commandId,
      expiresInDays: 2,
    });
    const again = await ok<{ shareId: string; url: string }>(owner, 'run.share', {
      runId,
      commandId,
      expiresInDays: 2,
    });
    expect(again).toEqual(first);
    await projected();
    const { shares } = await ok<{ shares: ShareView[] }>(owner, 'run.shares', { runId });
    expect(shares).toEqual([
      expect.objectContaining({ shareId: first.shareId, revokedAt: null, include: [] }),
    ]);
    expect(Date.parse(shares[0].expiresAt) - Date.parse(shares[0].createdAt)).toBe(2 * 86_400_000);
    expect(JSON.stringify(shares)).not.toContain(first.url.split('/share/')[1]);

    const token = first.url.split('/share/')[1];
    expect((await api(token)).status).toBe(200);
    // At once: with the projection stopped (its table still says the link is open), the ack is enough.
    await whileNotProjecting(async () => {
      await ok(owner, 'run.unshare', { runId, shareId: first.shareId });
      expect((await api(token)).status).toBe(404);
    });
    await projected();
    expect((await fetch(`${t.url}/share/${token}`)).status).toBe(404);
    const listed = await ok<{ shares: ShareView[] }>(owner, 'run.shares', { runId });
    expect(listed.shares[0].revokedAt).not.toBeNull();
  });

  it('refuses an expired, a forged and a malformed token alike, with nothing in the answer', async () => {
    const runId = await conversation('fifth');
    const link = await share(runId, { expiresInDays: 1 });
    const service = t.ledger.app.get(ShareService);
    const clock = service.now;
    try {
      service.now = () => new Date(Date.now() + 86_400_000 + 60_000);
      const expired = await api(link.token);
      expect(expired.status).toBe(404);
      expect(await expired.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such link' } });
    } finally {
      service.now = clock;
    }
    expect((await api(link.token)).status).toBe(200);
    const forged = link.token.slice(0, -1) + (link.token.endsWith('A') ? 'B' : 'A');
    for (const token of [forged, 'x'.repeat(43), 'short', '../../etc/passwd'])
      expect((await api(encodeURIComponent(token))).status).toBe(404);
  });

  it('lets only the owner share, unshare or list (NOT_FOUND for anyone else)', async () => {
    const runId = await conversation('sixth');
    const link = await share(runId);
    for (const [name, payload] of [
      ['run.share', { runId }],
      ['run.unshare', { runId, shareId: link.shareId }],
      ['run.shares', { runId }],
    ] as const) {
      const ack = await send(stranger, name, payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    const unknown = await send(owner, 'run.unshare', { runId, shareId: randomUUID() });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await api(link.token)).status).toBe(200);
  });

  it('erasing a run removes its links: they answer 404 as if they never were', async () => {
    const runId = await conversation('seventh');
    const link = await share(runId);
    expect((await api(link.token)).status).toBe(200);
    await whileNotProjecting(async () => {
      await ok(owner, 'run.delete', { runId });
      expect((await api(link.token)).status).toBe(404);
    });
    await projected();
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM run_shares WHERE run_id = $1', [
      runId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('row-level security shows a user only their own links, even to a query with no WHERE', async () => {
    const strangerId = randomUUID();
    const theirs = await connectClient(t.url, t.token(strangerId));
    const { runId } = await ok<{ runId: string }>(theirs, 'run.start', { sourceType: 'chat', settings: {} });
    await ok(theirs, 'run.share', { runId });
    theirs.close();
    await projected();
    const owners = (userId: string) =>
      asUser(t.pool, userId, async (db) => (await db.query('SELECT user_id FROM run_shares')).rows);
    const mine = await owners(ownerId);
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((r) => r.user_id))).toEqual(new Set([ownerId]));
    expect(await owners(strangerId)).toEqual([{ user_id: strangerId }]);
  });

  it('a rebuild gives the same run_shares rows', async () => {
    await projected();
    const read = async () =>
      (await t.pool.query('SELECT * FROM run_shares ORDER BY id')).rows.map((r) => JSON.stringify(r));
    const before = await read();
    expect(before.length).toBeGreaterThanOrEqual(4);
    await rebuild({ store: t.ledger.runtime.store, pool: t.pool });
    expect(await read()).toEqual(before);
  });
});

describe('share links: the per-address limit', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_SHARE_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 with Retry-After past LEDGER_SHARE_RATE_LIMIT requests a minute, on the page and the API', async () => {
    const token = 'A'.repeat(43);
    const statuses: number[] = [];
    for (const path of ['/api/share/', '/share/', '/api/share/', '/share/', '/api/share/']) {
      const res = await fetch(`${t.url}${path}${token}`);
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
  });
});
