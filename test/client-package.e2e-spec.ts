import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunView, TaskView } from '@ledger/contract';
import { connectClient, ok, startTestLedger, type TestLedger } from './support/ledger-server';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
// The version this repository installed, so the install is served from the warm npm cache.
const SOCKET_IO_CLIENT = (
  JSON.parse(readFileSync(path.join(ROOT, 'node_modules/socket.io-client/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** What a user outside this repository writes: plain Node, the SDK required by its package name. */
const SCRIPT = `
const { connectLedger } = require('@run-ledger/client');
(async () => {
  const ledger = connectLedger({ url: process.env.LEDGER_URL, token: process.env.LEDGER_TOKEN });
  const run = await ledger.startRun({ sourceType: 'prompt', settings: { model: 'gpt-4o' } });
  const task = await run.createTask({
    service: 'prompt', taskName: 'answer', provider: 'openai', endpoint: '/v1/chat/completions',
    model: 'gpt-4o', requestData: { messages: [] }, userMessage: { content: 'Say hello' },
  });
  task.chunk('Hello');
  task.chunk(', world');
  await task.complete({ usage: { inputTokens: 3, outputTokens: 2 } });
  await ledger.close();
  process.stdout.write(JSON.stringify({ runId: run.id, resolved: require.resolve('@run-ledger/client') }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/**
 * The SDK as published: `npm pack` of libs/client (its prepack builds dist/), installed from the tarball into an
 * empty folder outside the repository, and used from a plain Node script against a real ledger.
 */
describe('@run-ledger/client, packed and installed by its name', () => {
  let t: TestLedger;
  let dir: string;
  beforeAll(async () => {
    t = await startTestLedger();
    dir = await mkdtemp(path.join(tmpdir(), 'ledger-sdk-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records a run from a script outside the repository', async () => {
    await run('npm', ['pack', '--silent', '--pack-destination', dir], {
      cwd: path.join(ROOT, 'libs/client'),
    });
    const [tarball] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^run-ledger-client-.*\.tgz$/);

    const app = path.join(dir, 'app');
    await run('mkdir', ['-p', app]);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true }));
    // The npm cache is warm (the repository installed both); the registry is asked only for what it lacks.
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(dir, tarball),
        `socket.io-client@${SOCKET_IO_CLIENT}`,
      ],
      { cwd: app },
    );
    await writeFile(path.join(app, 'record.js'), SCRIPT);

    const userId = '0f0e0d0c-0b0a-4909-8807-060504030201';
    const { stdout } = await run('node', ['record.js'], {
      cwd: app,
      env: { PATH: process.env.PATH, LEDGER_URL: t.url, LEDGER_TOKEN: t.token(userId) },
    });
    const { runId, resolved } = JSON.parse(stdout) as { runId: string; resolved: string };
    // Resolved from the installed package, not from this repository's sources or workspace link.
    expect(resolved).toBe(path.join(app, 'node_modules/@run-ledger/client/dist/index.js'));

    const socket = await connectClient(t.url, t.token(userId));
    try {
      const got = await ok<{ run: RunView; tasks: TaskView[] }>(socket, 'run.get', { runId });
      expect(got.run.userId).toBe(userId);
      expect(got.tasks.map((task) => [task.status, task.responseText])).toEqual([
        ['completed', 'Hello, world'],
      ]);
    } finally {
      socket.close();
    }
  }, 300_000);
});
