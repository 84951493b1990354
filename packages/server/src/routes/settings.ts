/** Organization settings: redaction (docs/REDACTION.md); admin scope only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  JobAccepted,
  RedactionApplyBody,
  RedactionPreview,
  RedactionPreviewBody,
  RedactionSettings,
  RedactionSettingsBody,
} from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { actorOf, authOf } from '../plugins/auth.js';

const admin = { scope: 'admin' as const };
const tags = ['Redaction'];

export const settingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { redaction } = app.services;

  app.get(
    '/settings/redaction',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Get the redaction settings',
        description:
          'The detectors and custom patterns applied to everything this organization’s sessions receive. Until the organization saves its own, the server’s default (`SWITCHBOARD_REDACT`; none unless set), with `source: "server"`.',
        response: { 200: RedactionSettings, ...problemResponses(401, 403) },
      },
    },
    async (req) => redaction.get(authOf(req).orgId),
  );

  app.put(
    '/settings/redaction',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Save the redaction settings',
        description:
          'Applies to what arrives from then on, on every ingest path; stored sessions keep what they hold. Other server processes follow within 5 seconds. A custom pattern RE2 cannot compile (backreferences, lookaround) is a 400 naming it and why.',
        body: RedactionSettingsBody,
        response: { 200: RedactionSettings, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => redaction.put(authOf(req).orgId, req.body),
  );

  app.post(
    '/settings/redaction/preview',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Try redaction on a sample text',
        description:
          'What a text would be stored as, under the saved settings or, with `detectors` and `custom`, under the ones given. Nothing is stored.',
        body: RedactionPreviewBody,
        response: { 200: RedactionPreview, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => redaction.preview(authOf(req).orgId, req.body),
  );

  app.post(
    '/settings/redaction/apply',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Redact stored sessions again',
        description:
          'Applies the saved settings to exactly the sessions the filters match now (a query string of the shared filters, `""` for all), in the background, in batches: their messages, metadata, events and endedReason, the search index and the stored events the stream and webhooks replay. Irreversible: the replaced text is gone. Text already redacted is left as it is, so a second run changes and counts nothing. Follow it with `GET /jobs/{id}`; each changed session emits `session.updated`. A 409 while redaction is off.',
        body: RedactionApplyBody,
        response: { 202: JobAccepted, ...problemResponses(400, 401, 403, 409, 415) },
      },
    },
    async (req, reply) => {
      reply.code(202);
      const auth = authOf(req);
      const accepted = await redaction.apply(auth.orgId, req.body, actorOf(auth));
      reply.header('location', `/api/v1/jobs/${accepted.jobId}`);
      return accepted;
    },
  );
};
