/**
 * `POST /api/otlp/v1/traces`: OpenTelemetry traces over OTLP/HTTP, so an agent needs only
 * `OTEL_EXPORTER_OTLP_ENDPOINT=<server>/api/otlp` and an ingest key in
 * `OTEL_EXPORTER_OTLP_HEADERS` (docs/INTEGRATIONS.md). Protobuf or JSON, gzip or not. Answers as
 * the OTLP/HTTP specification says: 200 with an `ExportTraceServiceResponse` (its partialSuccess
 * counting the spans not used, and why), 400 with a `google.rpc.Status` for a body that cannot
 * be decoded, both in the request's encoding; 401/403/413/415/429/503 come from the shared hooks
 * as problem documents (an exporter reads only the status and `Retry-After`).
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { LIMITS } from '@switchboard/contracts';
import { ApiError } from '../lib/errors.js';
import { decodeTraces, encodeResponse, encodeStatus, OtlpDecodeError } from '../lib/otlp/decode.js';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

const gunzipAsync = promisify(gunzip);

/** The JSON forms of the answers, for the OpenAPI document. */
const OtlpJsonResponse = {
  type: 'object',
  properties: {
    partialSuccess: {
      type: 'object',
      properties: { rejectedSpans: { type: 'string' }, errorMessage: { type: 'string' } },
    },
  },
} as const;
const OtlpJsonStatus = {
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
} as const;

const CONTENT_TYPES = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
} as const;
type Encoding = keyof typeof CONTENT_TYPES;

/**
 * The body as received (still compressed, perhaps). Its bytes are a private field: the shared
 * hooks that walk a parsed body (the NUL check, the idempotency hash) see only its digest, not
 * five million array entries.
 */
class RawBody {
  readonly #bytes: Buffer;
  readonly sha256: string;
  constructor(bytes: Buffer) {
    this.#bytes = bytes;
    this.sha256 = createHash('sha256').update(bytes).digest('hex');
  }
  get bytes() {
    return this.#bytes;
  }
}

const encodingOf = (contentType: string | undefined): Encoding =>
  contentType?.toLowerCase().startsWith(CONTENT_TYPES.json) ? 'json' : 'protobuf';

async function inflate(body: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip')
    throw new ApiError(415, 'unsupported-media-type', `Content-Encoding "${enc}" is not supported; send gzip or none.`);
  try {
    return await gunzipAsync(body, { maxOutputLength: LIMITS.bodyBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ApiError(413, 'too-large', 'The decompressed request body is larger than the 5 MiB limit.');
    throw new OtlpDecodeError('The body is not valid gzip.');
  }
}

export const otlpRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // This plugin's own parsers (the API's JSON parser is for the API's bodies): both encodings as
  // bytes, decoded by the handler after decompression.
  app.removeAllContentTypeParsers();
  for (const type of Object.values(CONTENT_TYPES))
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: LIMITS.bodyBytes }, (_req, body, done) =>
      done(null, new RawBody(body as Buffer)),
    );

  app.post(
    '/v1/traces',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['OpenTelemetry'],
        summary: 'Export traces (OTLP/HTTP)',
        description:
          'An OTLP/HTTP `ExportTraceServiceRequest`, as `application/x-protobuf` or `application/json`, optionally `Content-Encoding: gzip` (≤ 5 MiB either way). GenAI spans become sessions (`source: otlp`), messages, tool calls and errors: see docs/INTEGRATIONS.md. Answers 200 with an `ExportTraceServiceResponse` in the request’s encoding; its `partialSuccess` counts spans that were not used and says why. An undecodable body is a 400 with a `google.rpc.Status`.',
        response: {
          200: {
            description:
              'An `ExportTraceServiceResponse` in the request’s encoding: empty when every span was used, else `partialSuccess` with `rejectedSpans` and `errorMessage`.',
            content: {
              'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
              'application/json': { schema: OtlpJsonResponse },
            },
          },
          400: {
            description: 'The body could not be decoded: a `google.rpc.Status` (`code` 3) in the request’s encoding.',
            content: {
              'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
              'application/json': { schema: OtlpJsonStatus },
            },
          },
          ...problemResponses(401, 403, 413, 415, 429),
        },
      },
    },
    async (req, typedReply) => {
      // The answers are protobuf or JSON text made here, not objects for a response schema.
      const reply = typedReply as unknown as FastifyReply;
      const encoding = encodingOf(req.headers['content-type']);
      reply.type(CONTENT_TYPES[encoding]);
      let spans: ReturnType<typeof decodeTraces>;
      try {
        // No body at all is an empty request (in protobuf, an export of nothing).
        const body = req.body instanceof RawBody ? req.body.bytes : Buffer.alloc(0);
        const raw = await inflate(body, req.headers['content-encoding']);
        spans = decodeTraces(raw, encoding);
      } catch (err) {
        if (!(err instanceof OtlpDecodeError)) throw err;
        // google.rpc.Code INVALID_ARGUMENT
        return reply.code(400).send(encodeStatus(encoding, 3, err.message));
      }
      const outcome = await app.services.otlp.export(authOf(req).orgId, spans);
      return reply.send(encodeResponse(encoding, outcome.rejectedSpans, outcome.errorMessage));
    },
  );
};
