import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../../test/support/database';
import { useStoreDatabase } from '../../../test/support/store-database';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { TEXT_TAIL_BYTES } from './projector.sql';
import { rebuild } from './rebuild';
import { verify } from './verify';
import { append, Clock, runEvents } from '../test/fixtures';
import { tableHashes } from '../test/invariants';

/**
 * A streaming task's text is kept in two columns of `ai_task_rows` (migration …015): a batch appends to the short
 * tail, and only a tail that would pass TEXT_TAIL_BYTES is moved into the head. `ai_tasks` shows the whole text.
 */
describe('a streaming task’s text: head and tail', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  useStoreDatabase((d, s) => ([db, store] = [d, s]));
  const startProjector = async () => {
    projector = new Projector({ store, pool: db.pool, batchSize: 50 });
    await projector.start();
  };
  const userId = randomUUID();
  const runId = randomUUID();
  const taskId = randomUUID();
  const e = runEvents(runId, userId);
  const clock = new Clock();

  const put = async (...bodies: Parameters<typeof append>[3]) =>
    projector.waitFor(await append(store, runId, userId, bodies, clock.next()));
  const stored = async () =>
    (
      await db.pool.query<{ head: string; tail: string; whole: string }>(
        `SELECT r.response_text AS head, r.response_text_tail AS tail, t.response_text AS whole
         FROM ai_task_rows r JOIN ai_tasks t USING (id) WHERE r.task_id = $1`,
        [taskId],
      )
    ).rows[0];

  // Nested, so the projector stops before the database hooks close the store and drop the database.
  describe('through the projector', () => {
    beforeAll(startProjector);
    afterAll(() => projector.stop());

    it('appends each batch to the tail, moves a full tail into the head, and shows the whole text', async () => {
      await put(e.started(clock.now()), e.created(taskId, clock.now(), 'Q', 'gpt-4o'));
      // ~100-byte chunks with a two-byte character in each, one batch each.
      const chunk = (seq: number) => `${String(seq).padStart(4, '0')}é`.padEnd(99, '.');
      const bytes = (s: string) => Buffer.byteLength(s);
      let text = '';
      let head = '';
      let moves = 0;
      for (let seq = 0; seq < 25; seq++) {
        const piece = chunk(seq);
        await put(e.chunk(taskId, seq, piece, 100 + seq));
        text += piece;
        const row = await stored();
        expect(row.whole).toBe(text);
        expect(row.head + row.tail).toBe(text);
        // The head only changes when the tail would have passed the limit, and then takes all there is.
        if (row.head !== head) {
          expect(row.head).toBe(text);
          expect(row.tail).toBe('');
          moves++;
        } else {
          expect(bytes(row.tail)).toBeLessThanOrEqual(TEXT_TAIL_BYTES);
        }
        head = row.head;
      }
      // 25 chunks of ~100 bytes: the head was written a few times, not once per batch.
      expect(moves).toBeGreaterThanOrEqual(2);
      expect(moves).toBeLessThanOrEqual(Math.ceil(bytes(text) / TEXT_TAIL_BYTES));
    });

    it('gives the same ai_tasks rows after a rebuild (which writes each text whole in the head), and verify agrees', async () => {
      const before = await tableHashes(db.pool);
      const split = await stored();
      expect(split.tail).not.toBe('');
      await projector.stop();
      await rebuild({ store, pool: db.pool });
      expect(await tableHashes(db.pool)).toEqual(before);
      const rebuilt = await stored();
      expect(rebuilt).toEqual({ head: split.whole, tail: '', whole: split.whole });
      expect((await verify({ store, pool: db.pool })).mismatches).toEqual([]);
      await startProjector();
      // Streaming goes on from a row written whole.
      await put(e.chunk(taskId, 25, 'and more', 400));
      const after = await stored();
      expect(after).toEqual({ head: split.whole, tail: 'and more', whole: `${split.whole}and more` });
    });
  });
});
