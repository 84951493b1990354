/**
 * Test harness: a real app on a real database, once per dialect. Like Kysely's own suite, every
 * suite runs `for (const dialect of DIALECTS)`; PostgreSQL is there when `npm test` started its
 * throwaway cluster (SWITCHBOARD_TEST_PG_URL).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedactionDetector, SCOPES, type Scope } from '@switchboard/contracts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { TSchema } from 'typebox';
import { type AccountOptions, buildApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { generateKey } from '../src/lib/keys.js';
import type { SessionLimits } from '../src/lib/transcript.js';
import type { JobOptions } from '../src/plugins/jobs.js';
import type { RateQuotas } from '../src/plugins/rate-limit.js';
import type { StreamOptions } from '../src/services/stream.js';
import { openStore, type DialectName, type Store } from '../src/store/db.js';
import { uuidv7 } from '../src/lib/ids.js';
import { createApiKey } from '../src/store/keys.js';
import { migrate } from '../src/store/migrate.js';
import { createOrg } from '../src/store/orgs.js';
import { createCitusDatabase, dropCitusDatabase } from '../../../scripts/citus-cluster.mjs';
import { ResponseValidator } from './openapi-validator.js';

export const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL;
/**
 * The Citus store (`node scripts/test.mjs --citus`): PG_URL is a Citus coordinator, and every
 * suite runs its `postgres` half there, not its SQLite half.
 */
export const CITUS: {
  coordinator: { url: string; port: number };
  workers: Array<{ url: string; port: number }>;
} | null =
  process.env.SWITCHBOARD_TEST_STORE === 'citus' && process.env.SWITCHBOARD_TEST_CITUS_NODES
    ? JSON.parse(process.env.SWITCHBOARD_TEST_CITUS_NODES)
    : null;
export const DIALECTS: DialectName[] = CITUS ? ['postgres'] : PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (!PG_URL && !process.env.SWITCHBOARD_QUIET_SKIP)
  console.warn('!!! SKIPPING PostgreSQL: SWITCHBOARD_TEST_PG_URL is not set (run the suite with `npm test`).');

/** A fresh, empty database of the dialect: a temp SQLite file, or a new PostgreSQL database. */
export async function freshDatabaseUrl(dialect: DialectName): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sb-test-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `sb_${randomBytes(6).toString('hex')}`;
  if (CITUS) {
    const citus = CITUS;
    const url = await createCitusDatabase(citus.coordinator, citus.workers, name, { create: true });
    return { url, drop: () => dropCitusDatabase(citus.coordinator, citus.workers, name) };
  }
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_URL as string);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestContext {
  dialect: DialectName;
  app: FastifyInstance;
  store: Store;
  orgId: string;
  /** A key with every scope in the `default` organization. */
  adminKey: string;
  databaseUrl: string;
  /** Makes a key with these scopes, in `default` or in a new organization. */
  key(scopes: Scope[], org?: string): Promise<string>;
  /** Checks every response of `app` against the OpenAPI document; `close()` fails on any mismatch. */
  responses: ResponseValidator;
  /** A second organization with its own admin key. */
  otherOrg(name?: string): Promise<{ orgId: string; key: string }>;
  close(): Promise<void>;
}

export async function setup(
  dialect: DialectName,
  opts: {
    webDir?: string;
    stream?: StreamOptions;
    rateLimits?: Partial<RateQuotas>;
    sessionLimits?: SessionLimits;
    webhooks?: { allowPrivate?: boolean };
    jobs?: JobOptions;
    accounts?: AccountOptions;
    publicUrl?: string;
    /** SWITCHBOARD_REDACT: the detectors of organizations without their own setting. */
    redact?: RedactionDetector[];
  } = {},
): Promise<TestContext> {
  const db = await freshDatabaseUrl(dialect);
  const store = openStore(db.url);
  await migrate(store);
  const adminKey = generateKey();
  const { orgId } = await bootstrap(store, { adminKey, dataDir: tmpdir() });
  const app = await buildApp({
    store,
    webDir: opts.webDir ?? '/nonexistent',
    stream: opts.stream,
    rateLimits: opts.rateLimits,
    sessionLimits: opts.sessionLimits,
    webhooks: opts.webhooks,
    jobs: opts.jobs,
    accounts: opts.accounts,
    publicUrl: opts.publicUrl,
    redact: opts.redact,
  });
  // Every response the tests make is checked against the OpenAPI document (openapi-validator.ts).
  const validator = ResponseValidator.attach(app);
  await app.ready();
  return {
    dialect,
    app,
    store,
    orgId,
    adminKey,
    databaseUrl: db.url,
    async key(scopes, org) {
      const { key } = await createApiKey(store.db, org ?? orgId, `test ${scopes.join('+')}`, scopes);
      return key;
    },
    async otherOrg(name = `org-${randomBytes(3).toString('hex')}`) {
      const org = await createOrg(store.db, name);
      const { key } = await createApiKey(store.db, org.id, 'admin', SCOPES);
      return { orgId: org.id, key };
    },
    responses: validator,
    async close() {
      await app.close();
      await store.close();
      await db.drop();
      if (validator.violations.length)
        assert.fail(
          `${validator.violations.length} responses do not match the OpenAPI document:\n${validator.violations.slice(0, 20).join('\n')}`,
        );
    },
  };
}

export type Res = LightMyRequestResponse & { body: string; json<T = any>(): T };

/** `app.inject` with a bearer key and a JSON body. */
export async function call(
  app: FastifyInstance,
  key: string | null,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  return (await app.inject({
    method,
    url,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })) as Res;
}

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);
ajv.addKeyword('x-enum-list');
const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

/** Asserts a response body matches its contract schema (not only its status). */
export function assertShape(schema: TSchema, value: unknown, label = 'response') {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  if (!v(value))
    assert.fail(
      `${label} does not match the contract: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 500)}`,
    );
}

/** Asserts an RFC 9457 problem document with this status. */
export function assertProblem(res: Res, status: number, paths?: string[]) {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const p = res.json();
  assert.equal(p.status, status);
  assert.equal(typeof p.type, 'string');
  assert.equal(typeof p.title, 'string');
  if (paths) {
    const got = (p.errors ?? []).map((e: { path: string }) => e.path).sort();
    assert.deepEqual(got, [...paths].sort(), `problem paths: ${JSON.stringify(p.errors)}`);
  }
  return p;
}

export const session = (over: Record<string, unknown> = {}) => ({
  agent: { id: 'support-bot', name: 'Support Bot' },
  channel: 'web',
  type: 'chat',
  ...over,
});

/** Seeds through `POST /ingest` (one commit per 1,000 items) and asserts every item landed. */
export async function seed(app: FastifyInstance, key: string, batch: Array<{ type: string; body: unknown }>) {
  const results: Array<{ index: number; status: number; id?: string; error?: unknown }> = [];
  for (let i = 0; i < batch.length; i += 1000) {
    const res = await call(app, key, 'POST', '/api/v1/ingest', { batch: batch.slice(i, i + 1000) });
    assert.equal(res.statusCode, 207, res.body);
    for (const r of res.json().results) {
      assert.ok(r.status < 300, `seed item ${i + r.index} refused: ${JSON.stringify(r)}`);
      results.push({ ...r, index: i + r.index });
    }
  }
  return results;
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The default organization as a schema before 0022 held it, for upgrade tests that bootstrap at an
 * old migration: today's createOrg also writes the organization's "Needs review" view, a table
 * 0022 adds (and fills for the organizations already there).
 */
export async function oldOrganization(store: Store) {
  await store.db
    .insertInto('organizations')
    .values({ id: uuidv7(Date.now()), name: 'default', created_at: Date.now() })
    .execute();
}
