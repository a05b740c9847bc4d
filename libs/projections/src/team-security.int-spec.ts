import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { PostgresEventStore } from '@ledger/event-store';
import { asUser } from './user-scope';
import { rebuild } from './rebuild';

async function insertRun(db: TestDatabase, userId: string, teamId: string | null): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO ai_runs (id, user_id, team_id, source_type, name, messages, settings, variable_values, broker_values,
       total_tokens, total_cost, unpriced_task_count, message_count, task_count, starred, archived, created_at,
       updated_at, version)
     VALUES ($1, $2, $3, 'chat', 'r', '[]', '{}', '{}', '{}', 0, 0, 0, 0, 0, false, false, now(), now(), 0)`,
    [id, userId, teamId],
  );
  await db.pool.query(
    `INSERT INTO ai_task_rows (id, run_id, user_id, team_id, task_id, service, task_name, provider, endpoint, model,
       request_data, response_text, response_info, response_errors, tool_updates, data_chunks, tokens_input,
       tokens_output, tokens_cached, tokens_cache_write, tokens_reasoning, tokens_total, status, chunk_count,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 's', 't', 'openai', '/', 'gpt-4o', '{}', '', '[]', '[]', '[]', '[]', 0, 0, 0, 0, 0,
       0, 'pending', 0, now(), now())`,
    [randomUUID(), id, userId, teamId, randomUUID()],
  );
  return id;
}

describe('row-level security for teams', () => {
  let db: TestDatabase;
  const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
  const [red, blue] = [randomUUID(), randomUUID()];
  let runs: Record<'aliceRed' | 'alicePrivate' | 'bobRed' | 'carolBlue' | 'carolPrivate', string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    runs = {
      aliceRed: await insertRun(db, alice, red),
      alicePrivate: await insertRun(db, alice, null),
      bobRed: await insertRun(db, bob, red),
      carolBlue: await insertRun(db, carol, blue),
      carolPrivate: await insertRun(db, carol, null),
    };
  });
  afterAll(async () => db.drop());

  const visible = async (userId: string, teams: string[]) => {
    const seen = await asUser(db.pool, { userId, teams }, async (c) => ({
      runs: (await c.query('SELECT id FROM ai_runs')).rows.map((r) => r.id as string).sort(),
      taskRuns: (await c.query('SELECT run_id FROM ai_tasks')).rows.map((r) => r.run_id as string).sort(),
    }));
    return seen;
  };

  it("shows a member, with no WHERE, its own runs and its team's runs and no other", async () => {
    const seen = await visible(bob, [red]);
    const expected = [runs.aliceRed, runs.bobRed].sort();
    expect(seen.runs).toEqual(expected);
    expect(seen.taskRuns).toEqual(expected);
  });

  it('shows a user of no team only its own runs, and a member of two teams both', async () => {
    expect((await visible(alice, [])).runs).toEqual([runs.aliceRed, runs.alicePrivate].sort());
    expect((await visible(randomUUID(), [red, blue])).runs).toEqual(
      [runs.aliceRed, runs.bobRed, runs.carolBlue].sort(),
    );
    // A team id in the setting is not a user id: a stranger naming a team it is not in through user_id sees nothing.
    expect((await visible(red, [])).runs).toEqual([]);
  });

  it('keeps the team policies after a rebuild swaps fresh tables in', async () => {
    await rebuild({ store: new PostgresEventStore(db.pool, db.url), pool: db.pool });
    const dave = randomUUID();
    const daveRed = await insertRun(db, dave, red);
    await insertRun(db, randomUUID(), blue);
    const seen = await visible(randomUUID(), [red]);
    expect(seen.runs).toEqual([daveRed]);
    expect(seen.taskRuns).toEqual([daveRed]);
  });
});
