import { sql } from 'kysely';
import type { Store } from './db.js';

/** Whether the database answers a trivial query (for /readyz). */
export async function isReachable(store: Store): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
