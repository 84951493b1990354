/**
 * Background jobs (0022): one row per job, with its kind, parameters, where it is (`phase`,
 * `cursor`) and its counts, and the sessions it applies to snapshotted into job_items when it is
 * created. A step of a job and the move of its cursor commit together, so a job resumed after a
 * restart applies each change once (services/jobs/runner.ts).
 */
import type { Actor, Job, JobKind } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { iso, isoOrNull } from '../lib/time.js';
import type { DialectName } from './db.js';
import { type SessionFilter, sessionFilterWhere } from './filters.js';
import type { Database } from './schema.js';
import { sessionsWithAgent } from './sessions/rows.js';

type Db = Kysely<Database>;
export type JobRow = Awaited<ReturnType<typeof findJobRow>> & {};

/**
 * Creates a job and snapshots the organization's sessions that match `filter` into its items, in
 * one statement: exactly the sessions that matched when the job was created, whatever changes
 * after. Returns how many there are.
 */
export async function insertJobWithItems(
  db: Db,
  dialect: DialectName,
  job: { id: string; org_id: string; kind: JobKind; params: unknown; actor: Actor; now: number },
  filter: SessionFilter,
): Promise<number> {
  await db
    .insertInto('job_items')
    .columns(['job_id', 'session_pk', 'started_at'])
    .expression(
      db
        .selectFrom('sessions as s')
        .select([sql<string>`${job.id}`.as('job_id'), 's.pk', 's.started_at'])
        .where((eb) => sessionFilterWhere(eb, dialect, job.org_id, filter)),
    )
    .execute();
  const counted = await db
    .selectFrom('job_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', job.id)
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  await db
    .insertInto('jobs')
    .values({
      id: job.id,
      org_id: job.org_id,
      kind: job.kind,
      params: JSON.stringify(job.params),
      status: 'queued',
      phase: 'apply',
      max_pk: null,
      total,
      error: null,
      actor: JSON.stringify(job.actor),
      created_at: job.now,
      updated_at: job.now,
      finished_at: null,
    })
    .execute();
  return total;
}

export async function findJobRow(db: Db, id: string) {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findJob(db: Db, orgId: string, id: string) {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
}

/** The oldest job that is not finished: a running one left by a stopped process first. */
export async function nextJob(db: Db) {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('status', 'in', ['running', 'queued'])
    .orderBy('status', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** The next `limit` items of the job after `cursor` (a session pk), in pk order. */
export async function jobItemsAfter(db: Db, jobId: string, cursor: number, limit: number) {
  const rows = await db
    .selectFrom('job_items')
    .select(['session_pk', 'started_at'])
    .where('job_id', '=', jobId)
    .where('session_pk', '>', cursor)
    .orderBy('session_pk')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ pk: Number(r.session_pk), started_at: Number(r.started_at) }));
}

/** The organization's sessions among these keys (a session deleted since is simply absent). */
export async function sessionsByKeys(
  db: Db,
  orgId: string,
  keys: Array<{ pk: number; started_at: number }>,
  { lock = false } = {},
) {
  if (keys.length === 0) return [];
  const q = sessionsWithAgent(db, 'all', orgId)
    .where('s.org_id', '=', orgId)
    .where(
      's.pk',
      'in',
      keys.map((k) => k.pk),
    )
    .where('s.started_at', 'in', [...new Set(keys.map((k) => k.started_at))]);
  // Locked in pk order, as ingest locks its sessions (lockSessions): two writers never wait for
  // each other in a circle.
  return lock ? q.orderBy('s.pk').forUpdate(['s']).execute() : q.execute();
}

/** Moves the job on after a step, in the step's transaction. */
export async function advanceJob(
  db: Db,
  id: string,
  step: { cursor: number; done: number; failed: number; finished: boolean },
  now: number,
) {
  await db
    .updateTable('jobs')
    .set((eb) => ({
      cursor: step.cursor,
      done: eb('done', '+', step.done),
      failed: eb('failed', '+', step.failed),
      status: step.finished ? 'succeeded' : 'running',
      updated_at: now,
      finished_at: step.finished ? now : null,
    }))
    .where('id', '=', id)
    .execute();
  if (step.finished) await db.deleteFrom('job_items').where('job_id', '=', id).execute();
}

export async function failJob(db: Db, id: string, error: string, now: number) {
  await db
    .updateTable('jobs')
    .set({ status: 'failed', error, updated_at: now, finished_at: now })
    .where('id', '=', id)
    .execute();
}

export function jobRowToApi(r: NonNullable<Awaited<ReturnType<typeof findJobRow>>>): Job {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    total: r.total === null ? null : Number(r.total),
    done: Number(r.done),
    failed: Number(r.failed),
    error: r.error,
    createdAt: iso(Number(r.created_at)),
    finishedAt: isoOrNull(r.finished_at === null ? null : Number(r.finished_at)),
  };
}
