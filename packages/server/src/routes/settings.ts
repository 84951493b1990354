/** Organization settings: redaction (docs/REDACTION.md); admin scope only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  RedactionPreview,
  RedactionPreviewBody,
  RedactionSettings,
  RedactionSettingsBody,
} from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

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
};
