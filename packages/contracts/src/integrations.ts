/**
 * Integrations (docs/INTEGRATIONS.md): an address a voice platform (Vapi, Retell) posts its call
 * events to, checked with the platform's own signature, and the log of what it received.
 */
import { type Static, Type } from 'typebox';
import { ID_PATTERN, INTEGRATION_PROVIDERS } from './enums.js';
import { StringEnum } from './schemas.js';

const Provider = StringEnum(INTEGRATION_PROVIDERS, { description: 'The platform: `vapi` or `retell`.' });

export const CreateIntegrationBody = Type.Object(
  {
    provider: Provider,
    name: Type.String({ minLength: 1, maxLength: 128, description: 'A name to tell integrations apart.' }),
    secret: Type.String({
      minLength: 8,
      maxLength: 512,
      description:
        'What the platform signs with: for Vapi the server URL secret (sent as `x-vapi-secret`) or the HMAC credential’s secret key; for Retell the API key that signs its webhooks. Stored encrypted, never shown again.',
    }),
    agentId: Type.Optional(
      Type.String({
        pattern: ID_PATTERN,
        description: 'The agent id its sessions get; by default the platform’s assistant or agent id.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateIntegrationBody = Static<typeof CreateIntegrationBody>;

export const Integration = Type.Object({
  id: Type.String(),
  provider: Provider,
  name: Type.String(),
  /** Where the platform posts: paste it into the platform (prefixed with this server's address). */
  url: Type.String({ description: 'The path to paste into the platform, after this server’s address.' }),
  agentId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastRequestAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Integration = Static<typeof Integration>;

export const IntegrationList = Type.Object({ data: Type.Array(Integration) });
export type IntegrationList = Static<typeof IntegrationList>;

export const IntegrationRequest = Type.Object({
  at: Type.String({ format: 'date-time' }),
  /** The platform's event type (`end-of-call-report`, `call_ended`…), when the body could be read. */
  eventType: Type.Union([Type.String(), Type.Null()]),
  accepted: Type.Boolean(),
  /** The HTTP status it was answered with. */
  status: Type.Integer(),
  /** Why it was refused, or what was not used of an accepted one. */
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type IntegrationRequest = Static<typeof IntegrationRequest>;

export const IntegrationRequestList = Type.Object({ data: Type.Array(IntegrationRequest) });
export type IntegrationRequestList = Static<typeof IntegrationRequestList>;

export const IntegrationIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** What an integration's address answers a platform. */
export const IntegrationReceipt = Type.Object({
  received: Type.Boolean(),
  /** Sessions, messages, events and updates applied (a redelivery's repeats included). */
  stored: Type.Integer(),
  /** Items refused (a session past its ceiling, …): the request log says why. */
  refused: Type.Optional(Type.Integer()),
});
export type IntegrationReceipt = Static<typeof IntegrationReceipt>;
