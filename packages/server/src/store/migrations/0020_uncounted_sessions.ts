/**
 * 0020, PostgreSQL: a session a batch creates is counted once, in the state the batch leaves it.
 *
 * The rollups (0004 counts, 0007 metadata rows and counts, 0010 search rows, 0012 figures and
 * histograms, 0013 days, 0015 metadata figures) are kept by row triggers on sessions, most of them
 * deferred to commit. A batch inserts each session it creates and writes its row once more before
 * the commit (services/batch.ts): a short session was two rounds of every trigger, the second
 * taking the first back out (minus the old row, plus the new), all at commit under the outbox's
 * lock: 2,000 of 3,260 items/s of that shape went there (docs/PERFORMANCE.md).
 *
 * Now such a row is inserted `uncounted = 1`, and the batch's last write of it sets 0. While
 * uncounted the row is in no rollup: its insert, its updates and a delete wake no trigger. The
 * update that sets 0 is counted as the insert of the row as it then is. Every transaction that
 * inserts an uncounted row clears it before commit, so no other reader ever sees one; every other
 * writer inserts and updates rows with 0, which the triggers handle exactly as before.
 *
 * The triggers and their functions are rewritten from their definitions in the database (the
 * migrations that made them stay as they are): each change below must apply, or the migration
 * fails rather than leave a trigger half-gated. SQLite gets the column only (its triggers run at
 * once, per row, and showed no gain from this: docs/PERFORMANCE.md).
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

/** The functions of the triggers on sessions, and how often each rewrite applies to each. */
const FUNCTIONS: Record<string, { minus: number; move: number; plusOnUpdate: number; insertBranch: number }> = {
  sb_session_counts: { minus: 1, move: 0, plusOnUpdate: 0, insertBranch: 0 },
  sb_session_metadata: { minus: 0, move: 0, plusOnUpdate: 0, insertBranch: 1 },
  sb_session_search: { minus: 0, move: 0, plusOnUpdate: 0, insertBranch: 1 },
  sb_session_figures: { minus: 1, move: 1, plusOnUpdate: 0, insertBranch: 0 },
  sb_session_first_responses: { minus: 1, move: 0, plusOnUpdate: 0, insertBranch: 0 },
  sb_session_days: { minus: 1, move: 1, plusOnUpdate: 0, insertBranch: 0 },
  sb_day_first_responses: { minus: 1, move: 0, plusOnUpdate: 0, insertBranch: 0 },
  sb_session_metadata_figures: { minus: 1, move: 1, plusOnUpdate: 1, insertBranch: 0 },
};

/** Replaces every `from` with `to`, insisting on exactly `n` of them. */
function rewrite(text: string, from: string, to: string, n: number, what: string) {
  const found = text.split(from).length - 1;
  if (found !== n) throw new Error(`0020: expected ${n} of ${JSON.stringify(from)} in ${what}, found ${found}`);
  return text.split(from).join(to);
}

export async function up(db: MigrationDb, dialect: DialectName) {
  await sql`ALTER TABLE sessions ADD COLUMN uncounted integer NOT NULL DEFAULT 0`.execute(db);
  if (dialect !== 'postgres') return;

  // The functions: an update from an uncounted row is the insert of the new one (nothing to take
  // out first, nothing to move).
  for (const [name, n] of Object.entries(FUNCTIONS)) {
    const { rows } = await sql<{ def: string }>`
      SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
      WHERE p.proname = ${name} AND p.pronamespace = current_schema()::regnamespace`.execute(db);
    if (rows.length !== 1) throw new Error(`0020: function ${name} not found`);
    let def = rows[0].def;
    def = rewrite(
      def,
      "TG_OP IN ('UPDATE', 'DELETE')",
      "(TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.uncounted = 0))",
      n.minus,
      name,
    );
    def = rewrite(def, "TG_OP = 'UPDATE' AND NOT (", "TG_OP = 'UPDATE' AND OLD.uncounted = 0 AND NOT (", n.move, name);
    def = rewrite(
      def,
      "IF TG_OP = 'UPDATE' OR ",
      "IF (TG_OP = 'UPDATE' AND OLD.uncounted = 0) OR ",
      n.plusOnUpdate,
      name,
    );
    def = rewrite(
      def,
      "IF TG_OP = 'INSERT' THEN",
      "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.uncounted = 1) THEN",
      n.insertBranch,
      name,
    );
    await sql.raw(def).execute(db);
  }

  // The triggers: none fires for an uncounted row, and clearing it fires every update trigger.
  const { rows: triggers } = await sql<{ name: string; def: string; fn: string }>`
    SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS def, p.proname AS fn
    FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE t.tgrelid = 'sessions'::regclass AND NOT t.tgisinternal AND t.tgparentid = 0`.execute(db);
  const gated = new Set<string>();
  for (const t of triggers) {
    if (!(t.fn in FUNCTIONS)) throw new Error(`0020: trigger ${t.name} on sessions calls ${t.fn}, not known here`);
    let def = t.def;
    const event = / AFTER (INSERT|UPDATE|DELETE) /.exec(def)?.[1];
    const row = event === 'DELETE' ? 'old' : 'new';
    const when = def.includes(' FOR EACH ROW WHEN (');
    if (event === 'UPDATE') {
      def = rewrite(def, ' AFTER UPDATE OF ', ' AFTER UPDATE OF uncounted, ', 1, t.name);
      def = rewrite(
        def,
        ' FOR EACH ROW WHEN (',
        ' FOR EACH ROW WHEN (new.uncounted = 0 AND (old.uncounted = 1 OR ',
        1,
        t.name,
      );
      def = rewrite(def, ') EXECUTE FUNCTION ', ')) EXECUTE FUNCTION ', 1, t.name);
    } else if (when)
      def = rewrite(def, ' FOR EACH ROW WHEN (', ` FOR EACH ROW WHEN (${row}.uncounted = 0 AND `, 1, t.name);
    else def = rewrite(def, ' FOR EACH ROW EXECUTE ', ` FOR EACH ROW WHEN (${row}.uncounted = 0) EXECUTE `, 1, t.name);
    await sql.raw(`DROP TRIGGER ${t.name} ON sessions`).execute(db);
    await sql.raw(def).execute(db);
    gated.add(t.name);
  }
  if (gated.size !== 24) throw new Error(`0020: expected 24 triggers on sessions, gated ${gated.size}`);
}
