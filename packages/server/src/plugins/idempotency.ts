/**
 * `Idempotency-Key` on every POST: the same key with the same body gets the first
 * response again and writes nothing; another body gets 422; a repeat while the first is still
 * running gets 409. Keys are scoped to the organization and kept 24 hours.
 */
import { createHash } from 'node:crypto';
import { LIMITS } from '@switchboard/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, badRequest } from '../lib/errors.js';
import { hashOf } from '../lib/hash.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyKey,
  IDEMPOTENCY_TTL_MS,
  releaseIdempotencyKey,
} from '../store/idempotency.js';

/** A claim older than this whose request never finished (the process died) may be taken over. */
const STALE_CLAIM_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { orgId: string; key: string } | null;
  }
  interface FastifyContextConfig {
    /**
     * Top-level response fields that hold a secret shown only once (a new API key, a webhook
     * secret). They are not kept for replays: a replay answers with them set to null, so the
     * idempotency table never holds a usable secret.
     */
    secretFields?: string[];
  }
}

/** The response as kept for replays: secrets shown once are blanked out. */
function storable(payload: string, secretFields: string[] | undefined): string {
  if (!secretFields?.length) return payload;
  try {
    const body = JSON.parse(payload) as Record<string, unknown>;
    for (const f of secretFields) if (f in body) body[f] = null;
    return JSON.stringify(body);
  } catch {
    return payload;
  }
}

export const idempotencyPlugin = fp(
  async (app: FastifyInstance) => {
    const { db } = app.store;
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.method !== 'POST' || !req.auth) return;
      const raw = req.headers['idempotency-key'];
      if (raw === undefined) return;
      const key = Array.isArray(raw) ? raw[0] : raw;
      if (key.length < 1 || key.length > LIMITS.idempotencyKeyLength)
        throw badRequest([{ path: 'Idempotency-Key', message: `must be 1–${LIMITS.idempotencyKeyLength} characters` }]);
      const orgId = req.auth.orgId;
      const requestHash = createHash('sha256')
        .update(`${req.method} ${req.url.split('?')[0]}\n${hashOf(req.body ?? null)}`)
        .digest('base64url');
      const now = Date.now();
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await claimIdempotencyKey(db, orgId, key, requestHash, now)) {
          req.idempotency = { orgId, key };
          return;
        }
        const found = await findIdempotencyKey(db, orgId, key);
        if (!found) continue;
        const expired = Number(found.created_at) < now - IDEMPOTENCY_TTL_MS;
        const stale = found.state === 'running' && Number(found.created_at) < now - STALE_CLAIM_MS;
        if (expired || stale) {
          await releaseIdempotencyKey(db, orgId, key);
          continue;
        }
        if (found.request_hash !== requestHash)
          throw new ApiError(
            422,
            'idempotency-key-reused',
            'This Idempotency-Key was already used with a different request; use a new key for a new request.',
          );
        if (found.state === 'running')
          throw new ApiError(
            409,
            'idempotency-key-in-use',
            'A request with this Idempotency-Key is still being processed; retry shortly.',
          );
        reply
          .code(found.response_status ?? 200)
          .header('idempotent-replayed', 'true')
          .type(found.response_type ?? 'application/json');
        return reply.send(found.response_body ?? '');
      }
      throw new ApiError(409, 'idempotency-key-in-use', 'Could not claim the Idempotency-Key; retry shortly.');
    });

    app.addHook('onSend', async (req, reply, payload) => {
      const claim = req.idempotency;
      if (!claim) return payload;
      req.idempotency = null;
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        // Nothing was (knowingly) written: let a retry run the request again.
        await releaseIdempotencyKey(db, claim.orgId, claim.key);
      } else {
        await completeIdempotencyKey(db, claim.orgId, claim.key, {
          status: reply.statusCode,
          body: storable(payload, req.routeOptions.config?.secretFields),
          type: String(reply.getHeader('content-type') ?? 'application/json'),
        });
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['store', 'auth'] },
);
