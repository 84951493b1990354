import { filtersToQuery } from '@switchboard/contracts';
import type { RequestOptions, Transport } from '../http.js';
import type {
  RedactionPreview,
  RedactionPreviewInput,
  RedactionSettings,
  RedactionSettingsInput,
  SessionFilters,
} from '../types.js';

/** `sb.settings`: organization settings (scope `admin`). */
export class SettingsApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * The redaction settings: which built-in detectors and custom patterns replace personal data
   * before anything is stored. `source` is `server` (the server's default) until you save.
   *
   * @example
   * const { detectors } = await sb.settings.getRedaction();
   */
  getRedaction(options: RequestOptions = {}): Promise<RedactionSettings> {
    return this.transport.request('GET', '/settings/redaction', {}, options);
  }

  /**
   * Saves the redaction settings; they apply to everything that arrives from then on. A custom
   * pattern RE2 cannot compile is refused with a `ValidationError` naming it.
   *
   * @example
   * await sb.settings.putRedaction({
   *   detectors: ['email', 'phone', 'card'],
   *   custom: [{ name: 'employee', pattern: 'EMP-\\d{6}' }],
   * });
   */
  putRedaction(body: RedactionSettingsInput, options: RequestOptions = {}): Promise<RedactionSettings> {
    return this.transport.request('PUT', '/settings/redaction', { body }, options);
  }

  /**
   * What a text would be stored as: under the saved settings, or under `detectors`/`custom` if
   * given (to try settings before saving them). Nothing is stored.
   *
   * @example
   * const { text } = await sb.settings.previewRedaction({ text: 'mail me at jane@example.com' });
   * // 'mail me at [redacted:email]'
   */
  previewRedaction(body: RedactionPreviewInput, options: RequestOptions = {}): Promise<RedactionPreview> {
    return this.transport.request('POST', '/settings/redaction/preview', { body }, options);
  }

  /**
   * Applies the saved redaction settings to sessions already stored (all of them with `{}` or
   * `''`, or those the filters match now), in the background: their messages, metadata, events
   * and endedReason are rewritten. Irreversible. Follow the job with `sb.review.job(jobId)`. A
   * `ConflictError` while redaction is off.
   *
   * @example
   * await sb.settings.putRedaction({ detectors: ['email', 'phone'] });
   * const { jobId } = await sb.settings.applyRedaction({ channel: 'phone' });
   */
  applyRedaction(filters: SessionFilters | string = '', options: RequestOptions = {}): Promise<{ jobId: string }> {
    const text = typeof filters === 'string' ? filters : filtersToQuery(filters).toString();
    return this.transport.request('POST', '/settings/redaction/apply', { body: { filters: text } }, options);
  }
}
