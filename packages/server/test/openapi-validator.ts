/**
 * Checks responses against the OpenAPI document the server serves: the status is one the operation
 * lists, the content type one it lists for that status, and a JSON body matches the schema there
 * (JSON Schema 2020-12, as OpenAPI 3.1 says). `setup()` in helpers.ts puts it on every app the
 * suite builds, so every response a test makes through `app.inject` or a real socket is checked,
 * not a sample; the test file fails when one does not match.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

type Json = Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, { responses: Record<string, Json> }>> };

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private loaded: Doc | undefined;
  readonly violations: string[] = [];
  checked = 0;

  /** `document` is read on the first check: the app's document exists once it is ready. */
  constructor(private readonly document: () => Doc) {
    (addFormats as unknown as (a: Ajv2020) => Ajv2020)(this.ajv);
  }

  private get doc(): Doc {
    if (!this.loaded) {
      // A copy: Ajv keeps what it is given, and the app's own document is cached and served.
      this.loaded = structuredClone(this.document());
      this.ajv.addSchema(this.loaded as unknown as Json, 'openapi.json');
    }
    return this.loaded;
  }

  /** A description of what is wrong with this response, or null when the document allows it. */
  check(method: string, routeUrl: string, status: number, contentType: string, body: string | null): string | null {
    const path = openapiPath(routeUrl);
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
    const op = this.doc.paths[path]?.[verb];
    if (!op) return null; // not a documented route (the document itself, the reference, the dashboard)
    this.checked++;
    const label = `${method} ${path} → ${status}`;
    const response = op.responses[String(status)] ?? op.responses.default;
    if (!response) return `${label}: status not documented (has ${Object.keys(op.responses).join(', ')})`;
    const content = response.content as Record<string, Json> | undefined;
    if (body === null || body === '' || method === 'HEAD' || status === 204 || status === 304) return null;
    const type = contentType.split(';')[0].trim();
    if (!content?.[type]) return `${label}: content type ${type} not documented (has ${Object.keys(content ?? {})})`;
    if (!/json$/.test(type) || type === 'application/x-ndjson') return null;
    const ref = `openapi.json#/${pointer('paths', path, verb, 'responses', String(status), 'content', type, 'schema')}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return `${label}: body is not JSON`;
    }
    if (validate(value)) return null;
    return `${label}: ${this.ajv.errorsText(validate.errors)}\n  ${body.slice(0, 300)}`;
  }

  /** Checks every response `app` sends (call before `app.ready()`). */
  static attach(app: FastifyInstance): ResponseValidator {
    const validator = new ResponseValidator(() => app.swagger() as unknown as Doc);
    validator.hook(app);
    return validator;
  }

  private hook(app: FastifyInstance) {
    app.addHook('onSend', async (req, reply, payload) => {
      const url = req.routeOptions.url;
      if (!url) return payload;
      const problem = this.check(
        req.method,
        url,
        reply.statusCode,
        String(reply.getHeader('content-type') ?? ''),
        typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : null,
      );
      if (problem) this.violations.push(problem);
      return payload;
    });
  }
}
