/** An organization's redaction settings (docs/REDACTION.md): one row, or none for the server default. */
import type { CustomPattern, RedactionDetector } from '@switchboard/contracts';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface StoredRedaction {
  detectors: RedactionDetector[];
  custom: CustomPattern[];
  updatedAt: number;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function findRedactionSettings(db: Db, orgId: string): Promise<StoredRedaction | null> {
  const row = await db.selectFrom('redaction_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return null;
  return {
    detectors: parse<RedactionDetector[]>(row.detectors),
    custom: parse<CustomPattern[]>(row.custom),
    updatedAt: Number(row.updated_at),
  };
}

export async function saveRedactionSettings(db: Db, orgId: string, s: StoredRedaction) {
  const values = {
    detectors: JSON.stringify(s.detectors),
    custom: JSON.stringify(s.custom),
    updated_at: s.updatedAt,
  };
  await db
    .insertInto('redaction_settings')
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
}
