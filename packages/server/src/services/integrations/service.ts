/**
 * Integrations (docs/INTEGRATIONS.md): the admin side (create, list, delete, the request log)
 * and what a platform's POST to `/api/integrations/<id>` does — check the platform's own
 * signature against the sealed secret, map the payload (./vapi.ts, ./retell.ts) to ingest items
 * and apply them as one batch through BatchService, with the integration's provider as the
 * sessions' `source`. Every request to a known integration is logged, accepted or refused.
 */
import { randomBytes } from 'node:crypto';
import type { CreateIntegrationBody, Integration } from '@switchboard/contracts';
import { ApiError, notFound } from '../../lib/errors.js';
import { openSecretIfPossible, sealSecret } from '../../lib/secret-box.js';
import type { Store } from '../../store/db.js';
import {
  deleteIntegration,
  findIntegration,
  findIntegrationById,
  insertIntegration,
  integrationRowToApi,
  listIntegrationRequests,
  listIntegrations,
  recordIntegrationRequest,
  requestRowToApi,
} from '../../store/integrations.js';
import type { BatchService } from '../batch.js';
import type { ReviewService } from '../review.js';
import type { Mapped } from './common.js';
import { mapRetell, type RetellEvent, verifyRetell } from './retell.js';
import { mapVapi, type VapiServerMessage, verifyVapi } from './vapi.js';

export interface Delivery {
  body: Buffer;
  headers: Record<string, string | undefined>;
}

export interface Receipt {
  status: number;
  body: Record<string, unknown>;
}

export class IntegrationService {
  constructor(
    private readonly store: Store,
    private readonly batch: BatchService,
    private readonly review: ReviewService,
  ) {}

  async create(orgId: string, body: CreateIntegrationBody, now = Date.now()): Promise<Integration> {
    const row = {
      // Random, not time-ordered: the address is public (the signature is what admits a request).
      id: `int_${randomBytes(12).toString('base64url')}`,
      org_id: orgId,
      provider: body.provider,
      name: body.name,
      // Encrypted at rest like webhook secrets (lib/secret-box.ts): it is read back to check signatures.
      secret: sealSecret(body.secret),
      agent_id: body.agentId ?? null,
      created_at: now,
      last_request_at: null,
    };
    await insertIntegration(this.store.db, row);
    return integrationRowToApi(row);
  }

  async list(orgId: string) {
    return { data: (await listIntegrations(this.store.db, orgId)).map(integrationRowToApi) };
  }

  async get(orgId: string, id: string) {
    const row = await findIntegration(this.store.db, orgId, id);
    if (!row) throw notFound('Integration');
    return integrationRowToApi(row);
  }

  async remove(orgId: string, id: string) {
    if (!(await deleteIntegration(this.store.db, orgId, id))) throw notFound('Integration');
  }

  async requests(orgId: string, id: string) {
    if (!(await findIntegration(this.store.db, orgId, id))) throw notFound('Integration');
    return { data: (await listIntegrationRequests(this.store.db, id)).map(requestRowToApi) };
  }

  /** A platform's POST. Unknown ids are a 404 and not logged (there is no integration to log to). */
  async receive(id: string, delivery: Delivery, now = Date.now()): Promise<Receipt> {
    const integration = await findIntegrationById(this.store.db, id);
    if (!integration) throw notFound('Integration');
    const log = (status: number, accepted: boolean, eventType: string | null, reason: string | null) =>
      recordIntegrationRequest(this.store.db, {
        integration_id: id,
        at: now,
        event_type: eventType,
        accepted: accepted ? 1 : 0,
        status,
        reason: reason?.slice(0, 1000) ?? null,
      });
    const refuse = async (status: number, code: string, reason: string, eventType: string | null = null) => {
      await log(status, false, eventType, reason);
      throw new ApiError(status, code, reason);
    };

    const secret = openSecretIfPossible(integration.secret);
    if (secret === null)
      return refuse(500, 'secret-unavailable', 'The secret is encrypted with a key this server does not have.');
    const problem =
      integration.provider === 'retell'
        ? verifyRetell(delivery.body, secret, delivery.headers['x-retell-signature'], now)
        : verifyVapi(delivery.body, secret, delivery.headers);
    // Nothing of an unauthenticated body is read, let alone stored.
    if (problem) return refuse(401, 'unauthorized', problem);

    let payload: unknown;
    try {
      payload = JSON.parse(delivery.body.toString('utf8'));
    } catch {
      return refuse(400, 'validation', 'The body is not JSON.');
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
      return refuse(400, 'validation', 'The body is not a JSON object.');

    const mapped: Mapped =
      integration.provider === 'retell'
        ? mapRetell(payload as RetellEvent, integration.agent_id)
        : mapVapi(payload as { message?: VapiServerMessage }, integration.agent_id);
    if (!mapped.items.length && !mapped.scores) {
      await log(200, true, mapped.eventType, mapped.note ?? 'nothing to store');
      return { status: 200, body: { received: true, stored: 0 } };
    }
    const { results } = mapped.items.length
      ? await this.batch.run(integration.org_id, mapped.items, now, integration.provider)
      : { results: [] };
    // The platform's analysis as the session's scores, once its items are applied (a call the
    // platform analyses without having announced it is refused like any item of an unknown session).
    if (mapped.scores) {
      const actor = { type: 'integration' as const, id: integration.id, name: integration.name };
      try {
        await this.review.putPlatformScores(
          integration.org_id,
          mapped.scores.sessionId,
          mapped.scores.values,
          actor,
          now,
        );
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        await log(200, true, mapped.eventType, `scores refused: ${err.detail}`);
        return {
          status: 200,
          body: { received: true, stored: results.filter((r) => r.status < 300).length, refused: 1 },
        };
      }
    }
    // A create of a session that exists, or the same ending again, is a redelivery: no refusal.
    const refused = results.filter(
      (r) =>
        r.status >= 400 &&
        !(mapped.items[r.index].type === 'session' && r.status === 409) &&
        !(mapped.items[r.index].type === 'session.update' && r.status === 422),
    );
    const stored = results.filter((r) => r.status < 300).length;
    if (refused.length) {
      const reason = `${refused.length} of ${results.length} items refused: ${refused
        .slice(0, 3)
        .map((r) => r.error?.detail ?? `status ${r.status}`)
        .join('; ')}`;
      await log(200, true, mapped.eventType, reason);
      return { status: 200, body: { received: true, stored, refused: refused.length } };
    }
    await log(200, true, mapped.eventType, null);
    return { status: 200, body: { received: true, stored } };
  }
}
