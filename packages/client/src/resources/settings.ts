import type { RequestOptions, Transport } from '../http.js';
import type { RedactionPreview, RedactionPreviewInput, RedactionSettings, RedactionSettingsInput } from '../types.js';

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
}
