/**
 * The audit trail of admin changes made through the API: each successful write to the routes in
 * `AUDITED` becomes one entry (services/audit.ts), with who made it (the person, or the key by
 * its name), the id of what changed and the fields sent — never a secret. People's own changes
 * (invitations, roles, disabling, the first admin) are recorded by services/accounts.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** `METHOD /route` → the action recorded. */
export const AUDITED: Record<string, string> = {
  'POST /api/v1/keys': 'key.created',
  'DELETE /api/v1/keys/:id': 'key.revoked',
  'POST /api/v1/webhooks': 'webhook.created',
  'PATCH /api/v1/webhooks/:id': 'webhook.updated',
  'DELETE /api/v1/webhooks/:id': 'webhook.deleted',
  'POST /api/v1/webhooks/:id/rotate-secret': 'webhook.secret_rotated',
  'POST /api/v1/webhooks/:id/test': 'webhook.tested',
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/retry': 'webhook.delivery_retried',
  'POST /api/v1/integrations': 'integration.created',
  'DELETE /api/v1/integrations/:id': 'integration.deleted',
  'POST /api/v1/alerts': 'alert.created',
  'PATCH /api/v1/alerts/:id': 'alert.updated',
  'DELETE /api/v1/alerts/:id': 'alert.deleted',
  'PUT /api/v1/settings/redaction': 'settings.redaction_updated',
  'POST /api/v1/settings/redaction/apply': 'settings.redaction_applied',
  // Reviews (scope `review`): the marks, scores and notes people leave, saved views and bulk jobs.
  // Tags are not: ingest keys set them as sessions arrive, and every one would be an entry.
  'POST /api/v1/sessions/:id/review': 'session.reviewed',
  'DELETE /api/v1/sessions/:id/review': 'session.review_removed',
  'PUT /api/v1/sessions/:id/scores/:name': 'session.scored',
  'POST /api/v1/sessions/:id/notes': 'note.created',
  'DELETE /api/v1/sessions/:id/notes/:noteId': 'note.deleted',
  'POST /api/v1/views': 'view.created',
  'PATCH /api/v1/views/:id': 'view.updated',
  'DELETE /api/v1/views/:id': 'view.deleted',
  'POST /api/v1/sessions/bulk': 'bulk_job.created',
};

/** Admin routes that write nothing, so there is nothing to record: `METHOD /route` → why. */
export const NOT_AUDITED: Record<string, string> = {
  'POST /api/v1/settings/redaction/preview': 'shows what a sample text becomes; stores nothing',
};

/** Fields never written to the log, at any depth of the body. */
const SECRET = new Set(['key', 'secret', 'password', 'token', 'authorization', 'slackurl']);

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !SECRET.has(k.toLowerCase()))
      .map(([k, v]) => [k, scrub(v, depth + 1)]),
  );
}

function idOf(req: FastifyRequest, payload: unknown): string | null {
  const params = req.params as Record<string, string> | undefined;
  if (params?.id) return params.id;
  if (typeof payload !== 'string') return null;
  try {
    // A created thing's id, or the job a request started (bulk actions, redaction applied).
    const body = JSON.parse(payload) as { id?: unknown; jobId?: unknown };
    const id = body.id ?? body.jobId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

export const auditPlugin = fp(
  async (app: FastifyInstance) => {
    // onSend, awaited: the entry is written before the client hears of the change.
    app.addHook('onSend', async (req, reply, payload) => {
      if (reply.statusCode >= 300 || !req.auth) return payload;
      const action = AUDITED[`${req.method} ${req.routeOptions.url}`];
      if (!action) return payload;
      try {
        const details = req.body && typeof req.body === 'object' ? (scrub(req.body) as Record<string, unknown>) : {};
        const params = req.params as Record<string, string> | undefined;
        if (params?.deliveryId) details.deliveryId = params.deliveryId;
        await app.services.audit.record(req.auth.orgId, req.auth, action, idOf(req, payload), details);
      } catch (err) {
        // The change itself has committed; a lost entry is logged loudly, never a failed request.
        req.log.error({ err, action }, 'could not write the audit entry');
      }
      return payload;
    });
  },
  { name: 'audit', dependencies: ['auth', 'services'] },
);
