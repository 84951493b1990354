/**
 * Making a job: its filters (a query string, as the bulk and redaction bodies take them) checked,
 * then the job row and the snapshot of the sessions they match written in one transaction, so the
 * job applies to exactly the sessions that matched when it was created.
 */
import type { Actor, JobKind } from '@switchboard/contracts';
import { badRequest } from '../../lib/errors.js';
import { uuidv7 } from '../../lib/ids.js';
import type { Store } from '../../store/db.js';
import { insertJobWithItems } from '../../store/jobs.js';
import { parseFilters } from '../filters.js';
import { retryTransaction } from '../transactions.js';

/** The filters of a bulk body (a query string) as the shared filter; a bad one is a 400 naming it. */
export function parseFilterString(text: string) {
  const params = new URLSearchParams(text.replace(/^\?/, ''));
  const q: Record<string, string> = {};
  const errors: Array<{ path: string; message: string }> = [];
  for (const [k, v] of params) {
    if (k in q) errors.push({ path: `filters/${k}`, message: 'must be given once' });
    q[k] = v;
  }
  for (const k of ['sort', 'limit', 'offset', 'cursor', 'format']) delete q[k];
  if (errors.length) throw badRequest(errors);
  try {
    return parseFilters(q);
  } catch (err) {
    const e = err as { errors?: Array<{ path: string; message: string }> };
    if (e.errors) throw badRequest(e.errors.map((x) => ({ path: `filters/${x.path}`, message: x.message })));
    throw err;
  }
}

/** Creates the job and snapshots its sessions; the runner does the rest. */
export async function createJob(
  store: Store,
  job: { orgId: string; kind: JobKind; params: unknown; actor: Actor; now: number },
  filters: string,
): Promise<{ jobId: string; total: number }> {
  const filter = parseFilterString(filters);
  const id = uuidv7(job.now);
  const total = await retryTransaction(store, () =>
    store.db
      .transaction()
      .execute((trx) =>
        insertJobWithItems(
          trx,
          store.dialect,
          { id, org_id: job.orgId, kind: job.kind, params: job.params, actor: job.actor, now: job.now },
          filter,
        ),
      ),
  );
  return { jobId: id, total };
}
