import { LIVE_TABLES, SHADOW_TABLES, type Queryable } from './projector.sql';

/** The suffix of an index built on a shadow table; the swap renames it to the live name. */
const SUFFIX = '_next';

/** One index (or key constraint) of a live table, as the statement that builds it on the shadow table. */
export interface ShadowIndex {
  /** The live name; the shadow one is `<name>_next` until the swap. */
  readonly name: string;
  readonly sql: string;
  /** The shadow table it is built on. */
  readonly table: string;
}

/** The read-model tables with their shadows, as pairs. */
const READ_MODEL_TABLES = (Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>).map(
  (table) => [LIVE_TABLES[table], SHADOW_TABLES[table]] as const,
);

/**
 * The live read-model tables' indexes and key constraints, read from the catalog, so the migrations stay their one
 * source: each becomes the statement that builds it (under `<name>_next`) on the matching shadow table.
 */
export async function shadowIndexes(
  q: Queryable,
  tables: ReadonlyArray<readonly [live: string, shadow: string]> = READ_MODEL_TABLES,
): Promise<ShadowIndex[]> {
  const out: ShadowIndex[] = [];
  for (const [live, shadow] of tables) {
    const { rows } = await q.query<{
      name: string;
      def: string;
      conname: string | null;
      condef: string | null;
    }>(
      `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def,
              con.conname, pg_get_constraintdef(con.oid) AS condef
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
       WHERE i.indrelid = $1::regclass
       ORDER BY ic.relname`,
      [live],
    );
    for (const r of rows) {
      if (r.conname && r.condef) {
        out.push({
          name: r.name,
          sql: `ALTER TABLE ${shadow} ADD CONSTRAINT ${r.conname}${SUFFIX} ${r.condef}`,
          table: shadow,
        });
        continue;
      }
      const sql = r.def.replace(
        /^(CREATE (?:UNIQUE )?INDEX) (\S+) ON (?:ONLY )?\S+ /,
        (_m, create: string, name: string) => `${create} ${name}${SUFFIX} ON ${shadow} `,
      );
      if (sql === r.def) throw new Error(`rebuild: cannot re-target index ${r.name}: ${r.def}`);
      out.push({ name: r.name, sql, table: shadow });
    }
  }
  return out;
}

export async function createShadowIndexes(q: Queryable, indexes: readonly ShadowIndex[]): Promise<void> {
  for (const index of indexes) await q.query(index.sql);
}

/** In the swap's transaction, once the shadow tables carry the live names: the indexes take theirs too. */
export async function renameShadowIndexes(q: Queryable, indexes: readonly ShadowIndex[]): Promise<void> {
  for (const index of indexes) await q.query(`ALTER INDEX ${index.name}${SUFFIX} RENAME TO ${index.name}`);
}
