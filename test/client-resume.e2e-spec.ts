import { connectLedger, type LedgerClient, type RunWithTasks } from '@run-ledger/client';
import { startTestLedger, type TestLedger } from './support/ledger-server';

const taskInput = (content: string) => ({
  service: 'chat',
  taskName: 'answer',
  provider: 'openai',
  endpoint: '/v1/chat/completions',
  model: 'gpt-4o',
  requestData: { messages: [{ role: 'user', content }] },
  userMessage: { content },
});

/** Resolves with run.get once `ready` holds, checked after subscribing and on every push. */
async function runWhen(ledger: LedgerClient, runId: string, ready: (r: RunWithTasks) => boolean) {
  let unsubscribe: (() => Promise<void>) | undefined;
  try {
    return await new Promise<RunWithTasks>((resolve, reject) => {
      const check = () => ledger.getRun(runId).then((r) => ready(r) && resolve(r), reject);
      ledger.subscribe(runId, { onRun: check, onTask: check }).then((u) => {
        unsubscribe = u;
        void check();
      }, reject);
    });
  } finally {
    await unsubscribe?.();
  }
}

describe('ledger.resumeRun (real ledger, real socket)', () => {
  let t: TestLedger;
  let ledger: LedgerClient;
  beforeAll(async () => {
    t = await startTestLedger();
    ledger = connectLedger({ url: t.url, token: t.token(), socketOptions: { transports: ['websocket'] } });
  });
  afterAll(async () => {
    await ledger.close();
    await t.close();
  });

  it('returns the conversation in both formats, and the next task continues the same run', async () => {
    const run = await ledger.startRun({ sourceType: 'chat', settings: { model: 'gpt-4o' } });
    const task = await run.createTask(taskInput('What is 2+2?'));
    task.chunk('It is ');
    task.chunk('4.');
    await task.complete({ usage: { inputTokens: 5, outputTokens: 3 } });
    await runWhen(ledger, run.id, (r) => r.run.messageCount === 2);

    const resumed = await ledger.resumeRun(run.id);
    expect(resumed.view.id).toBe(run.id);
    expect(resumed.messages.openai).toEqual([
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: 'It is 4.' },
    ]);
    expect(resumed.messages.anthropic).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 4.' }] },
    ]);

    const next = await resumed.run.createTask(taskInput('And 3+3?'));
    next.chunk('6.');
    await next.complete({ usage: { inputTokens: 9, outputTokens: 1 } });
    const after = await runWhen(ledger, run.id, (r) => r.run.messageCount === 4);
    expect(after.run.taskCount).toBe(2);
    expect((await ledger.resumeRun(run.id)).messages.openai.map((m) => m.content)).toEqual([
      'What is 2+2?',
      'It is 4.',
      'And 3+3?',
      '6.',
    ]);
  });

  it("refuses another user's run as NOT_FOUND", async () => {
    const run = await ledger.startRun({ sourceType: 'chat', settings: {} });
    const other = connectLedger({
      url: t.url,
      token: t.token(),
      socketOptions: { transports: ['websocket'] },
    });
    try {
      await expect(other.resumeRun(run.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await other.close();
    }
  });
});
