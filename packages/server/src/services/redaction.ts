/**
 * Redaction settings and the redactor each organization's ingest uses (docs/REDACTION.md).
 *
 * Every write of a session goes through the ingest service, which asks `redactorFor(orgId)` once
 * per call. The compiled redactor is kept per organization for `ttlMs`: a PUT in this process
 * drops it at once; another process (several may share one PostgreSQL) picks the change up when its
 * copy expires, at most `ttlMs` later (5 s). No cache in Switchboard is told of other processes'
 * writes, and reading the row on every ingest call would cost a query per request.
 */
import type {
  Actor,
  CustomPattern,
  RedactionApplyBody,
  RedactionDetector,
  RedactionPreview,
  RedactionPreviewBody,
  RedactionSettings,
  RedactionSettingsBody,
} from '@switchboard/contracts';
import { ApiError, badRequest } from '../lib/errors.js';
import { PatternError, Redactor } from '../lib/redaction/engine.js';
import { isoOrNull } from '../lib/time.js';
import type { Db, Store } from '../store/db.js';
import { findRedactionSettings, saveRedactionSettings } from '../store/redaction.js';
import { createRedactionJob } from './jobs/redaction.js';

export const REDACTION_CACHE_MS = 5_000;

/** The redactor of a config; a pattern RE2 cannot compile is a 400 naming it and why. */
function compile(config: { detectors: readonly RedactionDetector[]; custom: readonly CustomPattern[] }, base = '') {
  const seen = new Set<string>();
  for (const [i, c] of config.custom.entries()) {
    if (seen.has(c.name))
      throw badRequest([
        { path: `${base}/custom/${i}/name`, message: `"${c.name}" is the name of an earlier pattern` },
      ]);
    seen.add(c.name);
  }
  try {
    return new Redactor(config);
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    throw new ApiError(
      400,
      'invalid-pattern',
      `Custom pattern "${err.name}" cannot be compiled: ${err.message}. Patterns use RE2 syntax (no backreferences or lookaround).`,
      [{ path: `${base}/custom/${err.index}/pattern`, message: err.message }],
    );
  }
}

export class RedactionService {
  private jobListeners: Array<() => void> = [];
  private readonly cache = new Map<string, { at: number; redactor: Promise<Redactor> }>();

  constructor(
    private readonly store: Store,
    /** SWITCHBOARD_REDACT: the detectors of organizations that saved no setting. */
    private readonly defaults: readonly RedactionDetector[] = [],
    private readonly ttlMs = REDACTION_CACHE_MS,
  ) {}

  async get(orgId: string): Promise<RedactionSettings> {
    const saved = await findRedactionSettings(this.store.db, orgId);
    if (!saved) return { detectors: [...this.defaults], custom: [], source: 'server', updatedAt: null };
    return {
      detectors: saved.detectors,
      custom: saved.custom,
      source: 'organization',
      updatedAt: isoOrNull(saved.updatedAt),
    };
  }

  async put(orgId: string, body: RedactionSettingsBody, now = Date.now()): Promise<RedactionSettings> {
    const custom = body.custom ?? [];
    compile({ detectors: body.detectors, custom });
    await saveRedactionSettings(this.store.db, orgId, { detectors: body.detectors, custom, updatedAt: now });
    this.cache.delete(orgId);
    return this.get(orgId);
  }

  /** What a text becomes under the saved settings, or under the ones given (to try before saving). */
  async preview(orgId: string, body: RedactionPreviewBody): Promise<RedactionPreview> {
    const redactor =
      body.detectors !== undefined || body.custom !== undefined
        ? compile({ detectors: body.detectors ?? [], custom: body.custom ?? [] })
        : await this.redactorFor(orgId);
    const tally = new Map<string, number>();
    const r = redactor.text(body.text, tally);
    return { text: r.text, redactions: r.count, byDetector: Object.fromEntries(tally) };
  }

  /**
   * The organization's redactor (cached, see above); an empty one when redaction is off. `db` is
   * the caller's transaction when it holds one: on SQLite a read outside it would wait for it.
   */
  redactorFor(orgId: string, db: Db = this.store.db, now = Date.now()): Promise<Redactor> {
    const hit = this.cache.get(orgId);
    if (hit && now - hit.at < this.ttlMs) return hit.redactor;
    const redactor = this.load(db, orgId);
    this.cache.set(orgId, { at: now, redactor });
    // A failed read is not kept: the next call tries again.
    redactor.catch(() => {
      if (this.cache.get(orgId)?.redactor === redactor) this.cache.delete(orgId);
    });
    return redactor;
  }

  /**
   * The redactor for text stored earlier (redaction applied again: services/jobs/redaction.ts):
   * the settings as saved now, read in the caller's transaction rather than cached, and keeping
   * the `[redacted:…]` markers already there.
   */
  storedRedactor(orgId: string, db: Db = this.store.db): Promise<Redactor> {
    return this.load(db, orgId, { keepMarkers: true });
  }

  /** `POST /settings/redaction/apply`: the job, with its sessions snapshotted; the runner applies it. */
  async apply(orgId: string, body: RedactionApplyBody, actor: Actor) {
    const { jobId } = await createRedactionJob(
      this.store,
      (db, org) => this.storedRedactor(org, db),
      orgId,
      body,
      actor,
    );
    for (const fn of this.jobListeners) fn();
    return { jobId };
  }

  /** Called when a job is created, so the runner starts on it now. */
  onJob(fn: () => void) {
    this.jobListeners.push(fn);
  }

  private async load(db: Db, orgId: string, opts: { keepMarkers?: boolean } = {}) {
    const saved = await findRedactionSettings(db, orgId);
    // Saved patterns compiled when saved; should one no longer compile (a newer engine), ingest
    // keeps redacting with the detectors rather than failing every write.
    const config = saved ?? { detectors: this.defaults, custom: [] };
    try {
      return new Redactor(config, opts);
    } catch {
      return new Redactor({ detectors: config.detectors, custom: [] }, opts);
    }
  }
}
