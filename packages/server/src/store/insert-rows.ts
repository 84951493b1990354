/**
 * Multi-row inserts written as text: the write path's largest statements (a batch's sessions,
 * messages, events, outbox entries; thousands of values each). Kysely's `values()` turns every
 * value into a frozen node, then compiles the nodes back into the same text: for a batch of 250
 * short sessions that was about a tenth of the server's time, in building and then collecting
 * those objects (docs/PERFORMANCE.md). The statement is the one Kysely would write, with the
 * store's own placeholders.
 */
import { CompiledQuery, type Kysely, SqliteAdapter } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Inserts rows that all have the same columns (those of the first row) into `table`, `chunk` rows
 * a statement. Rows whose columns differ, or that leave one undefined, go through Kysely, which
 * fills what a row lacks with the column's default.
 */
export async function insertRows(db: Db, table: keyof Database & string, rows: object[], chunk: number) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const same = rows.every(
    (r) =>
      Object.keys(r).length === columns.length && columns.every((c) => (r as Record<string, unknown>)[c] !== undefined),
  );
  if (!same) {
    for (let i = 0; i < rows.length; i += chunk)
      await db
        .insertInto(table)
        .values(rows.slice(i, i + chunk) as never)
        .execute();
    return;
  }
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values `;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk) as Array<Record<string, unknown>>;
    const params: unknown[] = new Array(part.length * columns.length);
    let n = 0;
    for (const r of part) for (const c of columns) params[n++] = r[c];
    let text: string;
    if (sqlite) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      text = head + new Array(part.length).fill(tuple).join(', ');
    } else {
      const tuples: string[] = new Array(part.length);
      let p = 0;
      for (let k = 0; k < part.length; k++) {
        const slots: string[] = new Array(columns.length);
        for (let j = 0; j < columns.length; j++) slots[j] = `$${++p}`;
        tuples[k] = `(${slots.join(', ')})`;
      }
      text = head + tuples.join(', ');
    }
    await db.executeQuery(CompiledQuery.raw(text, params));
  }
}
