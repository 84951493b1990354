import type { RequestOptions, Transport } from '../http.js';
import type { AuditList, AuditQuery } from '../types.js';

/** `sb.audit`: who changed what and when (scope `admin`). */
export class AuditApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * One page of the audit log, newest first; pass `pagination.nextCursor` as `cursor` for the next.
   *
   * @example
   * const { data } = await sb.audit.list({ action: 'user', from: new Date(Date.now() - 86_400_000) });
   */
  list(query: AuditQuery = {}, options: RequestOptions = {}): Promise<AuditList> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) q.set(k, v instanceof Date ? v.toISOString() : String(v));
    return this.transport.request('GET', '/audit', { query: q }, options);
  }
}
