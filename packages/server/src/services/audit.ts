/**
 * The audit log: who did what and when. Every change to keys, webhooks, integrations, users and
 * settings calls `record` once it has succeeded; admins read it through `GET /audit`, and the
 * retention job deletes entries older than the retention setting.
 */
import type { AuditActor, AuditList, AuditQuery } from '@switchboard/contracts';
import { ApiError } from '../lib/errors.js';
import type { Store } from '../store/db.js';
import { auditRowToApi, insertAudit, listAudit } from '../store/audit.js';

/** Who made a request, as much as the audit log needs: a person, or an API key. */
export interface Principal {
  user: { id: string; email: string; name: string } | null;
  keyId: string;
  keyName: string;
}

/** The actor of a request: the person signed in, else the key (by its name). */
export function actorOf(p: Principal): AuditActor {
  return p.user
    ? { type: 'user', id: p.user.id, name: p.user.name || p.user.email }
    : { type: 'key', id: p.keyId, name: p.keyName };
}

const SYSTEM: AuditActor = { type: 'system', id: null, name: 'Switchboard' };

export class AuditService {
  constructor(private readonly store: Store) {}

  /**
   * Records one action. `action` is `<thing>.<verb>` (`key.created`, `user.updated`); `target`
   * the id of what it acted on; `details` what changed, never a secret.
   */
  async record(
    orgId: string,
    by: Principal | AuditActor | null,
    action: string,
    target: string | null,
    details: Record<string, unknown> = {},
    now = Date.now(),
  ): Promise<void> {
    const actor = by === null ? SYSTEM : 'type' in by ? by : actorOf(by);
    await insertAudit(this.store.db, {
      org_id: orgId,
      at: now,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name,
      action,
      target,
      details: Object.keys(details).length ? JSON.stringify(details) : null,
    });
  }

  async list(orgId: string, q: AuditQuery): Promise<AuditList> {
    const bound = (text: string | undefined, field: string) => {
      if (text === undefined) return undefined;
      const ms = Date.parse(text);
      if (Number.isNaN(ms))
        throw new ApiError(400, 'validation', `${field}: not a date-time`, [
          { path: field, message: 'not a date-time' },
        ]);
      return ms;
    };
    let before: string | undefined;
    if (q.cursor !== undefined) {
      before = Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (!/^[0-9a-f-]{36}$/.test(before))
        throw new ApiError(400, 'validation', 'cursor: not a cursor this list gave', [
          { path: 'cursor', message: 'not a cursor this list gave' },
        ]);
    }
    const rows = await listAudit(this.store.db, orgId, {
      actor: q.actor,
      action: q.action,
      from: bound(q.from, 'from'),
      to: bound(q.to, 'to'),
      before,
      limit: q.limit,
    });
    const hasMore = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    return {
      data: page.map(auditRowToApi),
      pagination: {
        limit: q.limit,
        hasMore,
        nextCursor: hasMore ? Buffer.from(page[page.length - 1].id).toString('base64url') : null,
      },
    };
  }
}
