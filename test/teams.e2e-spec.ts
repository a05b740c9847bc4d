import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Socket } from 'socket.io-client';
import type { RunListItem, RunView, TaskView, UsageSummaryRow } from '@ledger/contract';
import { buildCli, CliExit } from '../apps/cli/src/main';
import { signToken, type TeamRole } from '@ledger/runtime';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  TEST_JWT_SECRET,
  waitForEvent,
  type TestLedger,
} from './support/ledger-server';

/** Teams (docs/security.md, Teams): a run started for a team is read by its members, written by its owner alone. */
describe('teams', () => {
  let t: TestLedger;
  const team = randomUUID();
  const otherTeam = randomUUID();
  const ids = { owner: randomUUID(), member: randomUUID(), admin: randomUUID(), stranger: randomUUID() };
  const sockets: Socket[] = [];
  let owner: Socket;
  let member: Socket;
  let admin: Socket;
  let stranger: Socket;

  const connect = async (userId: string, teamRoles: Record<string, TeamRole> = {}, teams?: string[]) => {
    const token = signToken(userId, TEST_JWT_SECRET, { teams: teams ?? Object.keys(teamRoles), teamRoles });
    const socket = await connectClient(t.url, token);
    sockets.push(socket);
    return socket;
  };
  const startTeamRun = async (name: string) => {
    const { runId } = await ok<{ runId: string }>(owner, 'run.start', {
      sourceType: 'chat',
      settings: {},
      name,
      teamId: team,
    });
    return runId;
  };
  const completedTask = async (runId: string, text: string) => {
    const task = taskPayload(runId);
    await ok(owner, 'task.create', task);
    await ok(owner, 'task.chunk', { runId, taskId: task.taskId, seq: 0, text, offsetMs: 5 });
    await ok(owner, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 10, outputTokens: 20 },
    });
    return task.taskId;
  };

  beforeAll(async () => {
    t = await startTestLedger();
    owner = await connect(ids.owner, { [team]: 'member' });
    // The member's token names the team in `teams` only (a plain member); the stranger is in another team.
    member = await connect(ids.member, {}, [team]);
    admin = await connect(ids.admin, { [team]: 'admin' });
    stranger = await connect(ids.stranger, { [otherTeam]: 'admin' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  it("lets a member read a teammate's run: run.get, runs.list with teamId, run.at, run.replay", async () => {
    const runId = await startTeamRun('team chat');
    const taskId = await completedTask(runId, 'hello team');
    const { run: ownerView } = await ok<{ run: RunView }>(owner, 'run.get', { runId });
    expect(ownerView.teamId).toBe(team);

    const got = await ok<{ run: RunView; tasks: TaskView[] }>(member, 'run.get', { runId });
    expect(got.run).toMatchObject({ id: runId, userId: ids.owner, teamId: team, taskCount: 1 });
    expect(got.tasks.map((x) => [x.taskId, x.responseText])).toEqual([[taskId, 'hello team']]);

    const privateRun = await ok<{ runId: string }>(owner, 'run.start', { sourceType: 'chat', settings: {} });
    const listed = await ok<{ runs: RunListItem[] }>(member, 'runs.list', { teamId: team });
    expect(listed.runs.map((r) => r.id)).toContain(runId);
    expect(listed.runs.map((r) => r.id)).not.toContain(privateRun.runId);
    expect(listed.runs.every((r) => r.teamId === team)).toBe(true);
    const searched = await ok<{ runs: RunListItem[] }>(member, 'runs.list', {
      teamId: team,
      q: 'hello team',
    });
    expect(searched.runs.map((r) => r.id)).toEqual([runId]);
    // Without teamId a member's list is its own runs, as before.
    expect((await ok<{ runs: RunListItem[] }>(member, 'runs.list', {})).runs).toEqual([]);

    const at = await ok<{ run: RunView; version: number }>(member, 'run.at', { runId, version: 0 });
    expect(at.run).toMatchObject({ id: runId, teamId: team, taskCount: 0 });

    const replayed: unknown[] = [];
    const onReplay = (e: unknown) => replayed.push(e);
    member.on('replay.event', onReplay);
    const replay = await ok<{ runId: string; events: number }>(member, 'run.replay', { runId });
    member.off('replay.event', onReplay);
    expect(replay.events).toBeGreaterThanOrEqual(4);
    expect(replayed).toHaveLength(replay.events);
  });

  it("pushes a teammate's run to a subscribed member", async () => {
    const runId = await startTeamRun('live');
    await ok(member, 'run.subscribe', { runId });
    const finalTask = waitForEvent<{ task: TaskView }>(
      member,
      'task.updated',
      ({ task }) => task.runId === runId && task.status === 'completed',
    );
    const runPushed = waitForEvent<{ run: RunView }>(
      member,
      'run.updated',
      ({ run }) => run.id === runId && run.taskCount === 1,
    );
    await completedTask(runId, 'pushed to the team');
    expect((await finalTask).task.responseText).toBe('pushed to the team');
    expect((await runPushed).run.teamId).toBe(team);
  });

  it("refuses a member's write FORBIDDEN, and lets a team admin (not a member) delete", async () => {
    const runId = await startTeamRun('to delete');
    for (const [name, payload] of [
      ['run.rename', { runId, name: 'mine now' }],
      ['run.star', { runId, starred: true }],
      ['run.archive', { runId }],
      ['task.create', taskPayload(runId)],
      ['run.delete', { runId }],
    ] as const) {
      const ack = await send(member, name, payload);
      expect([name, ack.ok || ack.error.code]).toEqual([name, 'FORBIDDEN']);
    }
    // The admin reads and may delete, but writes nothing else either.
    expect((await send(admin, 'run.rename', { runId, name: 'x' })).ok).toBe(false);
    expect((await ok<{ run: RunView }>(member, 'run.get', { runId })).run.name).toBe('to delete');

    // The owner's sockets hear of the erasure like of their own (the projector has then dropped the rows).
    await ok(owner, 'runs.list', {});
    const removed = waitForEvent<{ runId: string }>(owner, 'runs.removed', (p) => p.runId === runId);
    const commandId = randomUUID();
    await ok(admin, 'run.delete', { runId, commandId });
    await removed;
    // Retried with its commandId, the admin's delete gets its ack again (it wrote the tombstone); another's is NOT_FOUND.
    expect(await send(admin, 'run.delete', { runId, commandId })).toEqual({ ok: true, data: {} });
    expect(await send(admin, 'run.delete', { runId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await send(member, 'run.delete', { runId, commandId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    for (const s of [owner, member, admin])
      expect(await send(s, 'run.get', { runId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('answers a non-member NOT_FOUND for every command on a team run, as for a missing run', async () => {
    const runId = await startTeamRun('secret');
    const taskId = await completedTask(runId, 'not for you');
    const commands: Array<[string, Record<string, unknown>]> = [
      ['run.get', { runId }],
      ['run.subscribe', { runId }],
      ['run.replay', { runId }],
      ['run.at', { runId }],
      ['run.rename', { runId, name: 'x' }],
      ['run.star', { runId, starred: true }],
      ['run.archive', { runId }],
      ['run.delete', { runId }],
      ['task.create', taskPayload(runId)],
      ['task.chunk', { runId, taskId, seq: 1, text: 'x', offsetMs: 1 }],
      ['task.chunks', { runId, taskId, chunks: [{ seq: 1, text: 'x', offsetMs: 1 }] }],
      ['task.complete', { runId, taskId, usage: { inputTokens: 1, outputTokens: 1 } }],
      ['task.fail', { runId, taskId, error: { code: 'x', message: 'x' } }],
    ];
    for (const [name, payload] of commands) {
      const ack = await send(stranger, name, payload);
      expect([name, ack.ok || ack.error.code]).toEqual([name, 'NOT_FOUND']);
    }
    const listed = await send(stranger, 'runs.list', { teamId: team });
    expect(listed).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await ok<{ runs: RunListItem[] }>(stranger, 'runs.list', { teamId: otherTeam })).runs).toEqual(
      [],
    );
    expect((await ok<{ run: RunView }>(owner, 'run.get', { runId })).run.name).toBe('secret');
  });

  it('refuses run.start with a team that is not in the token FORBIDDEN, and writes nothing', async () => {
    const runId = randomUUID();
    const ack = await send(owner, 'run.start', {
      runId,
      sourceType: 'chat',
      settings: {},
      teamId: otherTeam,
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await send(owner, 'run.get', { runId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it("gives a team's usage to its admins only", async () => {
    const runId = await startTeamRun('usage');
    await completedTask(runId, 'counted');
    // The owner's run.get waits for the projection to reach its writes (and so every earlier one).
    expect((await ok<{ run: RunView }>(owner, 'run.get', { runId })).run.taskCount).toBe(1);
    const usage = await ok<{ rows: UsageSummaryRow[] }>(admin, 'usage.summary', {
      groupBy: 'model',
      teamId: team,
    });
    const gpt = usage.rows.find((r) => 'model' in r && r.model === 'gpt-4o');
    // Every completed task of the team's runs so far (the deleted run's are gone with it).
    const listed = await ok<{ runs: RunListItem[] }>(admin, 'runs.list', { teamId: team });
    const tasks = listed.runs.reduce((n, r) => n + r.taskCount, 0);
    expect(gpt).toMatchObject({ tasks, inputTokens: 10 * tasks, outputTokens: 20 * tasks });
    // The admin's own usage is its own runs': none.
    expect(
      (await ok<{ rows: UsageSummaryRow[] }>(admin, 'usage.summary', { groupBy: 'model' })).rows,
    ).toEqual([]);
    for (const s of [member, owner, stranger])
      expect(await send(s, 'usage.summary', { groupBy: 'day', teamId: team })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
  });

  it('rebuilds the same team rows from the events', async () => {
    const runId = await startTeamRun('rebuilt');
    await completedTask(runId, 'still the team’s');
    const before = await ok<{ run: RunView; tasks: TaskView[] }>(owner, 'run.get', { runId });
    const operator = await connectClient(t.url, t.token(randomUUID(), { admin: true }));
    sockets.push(operator);
    await ok(operator, 'projections.rebuild', {});
    const { rows } = await t.pool.query('SELECT DISTINCT team_id FROM ai_tasks WHERE run_id = $1', [runId]);
    expect(rows).toEqual([{ team_id: team }]);
    expect(await ok(member, 'run.get', { runId })).toEqual(before);
  });

  it('takes a team token from `ledger token --team`', async () => {
    const mint = async (...args: string[]) => {
      let out = '';
      const saved = process.env;
      process.env = { LEDGER_JWT_SECRET: TEST_JWT_SECRET };
      try {
        const stdout = new Writable({
          write: (chunk: Buffer, _enc, done) => ((out += chunk.toString()), done()),
        });
        const exit = (code: number) => {
          throw new CliExit(code);
        };
        await buildCli({
          stdout,
          stderr: new Writable({ write: (_c, _e, done) => done() }),
          exit,
          color: false,
        }).parseAsync(['node', 'ledger', 'token', ...args]);
        return out.trim();
      } finally {
        process.env = saved;
      }
    };
    const runId = await startTeamRun('for the cli token');
    const cliAdmin = await connectClient(
      t.url,
      await mint('--user', randomUUID(), '--team', `${team}:admin`),
    );
    sockets.push(cliAdmin);
    expect((await ok<{ run: RunView }>(cliAdmin, 'run.get', { runId })).run.id).toBe(runId);
    await ok(cliAdmin, 'usage.summary', { groupBy: 'day', teamId: team });
    await expect(mint('--user', randomUUID(), '--team', `${team}:owner`)).rejects.toMatchObject({ code: 2 });
  });

  it('refuses at the handshake a token naming more than 100 teams, a team that is not a UUID, or another role', async () => {
    const many = Array.from({ length: 101 }, () => randomUUID());
    const bad = [
      { teams: many },
      { teamRoles: Object.fromEntries(many.map((id) => [id, 'member' as const])) },
      { teams: ['red-team'] },
      { teamRoles: { [randomUUID()]: 'owner' as TeamRole } },
    ];
    for (const claims of bad) {
      const token = signToken(randomUUID(), TEST_JWT_SECRET, claims);
      await expect(connectClient(t.url, token)).rejects.toThrow('UNAUTHORIZED');
    }
    // 100 teams are accepted.
    const token = signToken(randomUUID(), TEST_JWT_SECRET, { teams: many.slice(0, 100) });
    sockets.push(await connectClient(t.url, token));
  });
});
