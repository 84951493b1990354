/**
 * Redaction (docs/REDACTION.md): personal data replaced by `[redacted:<detector>]` before anything
 * is stored, streamed or sent. Built-in detectors plus custom patterns (RE2 syntax, run in linear
 * time), per organization.
 */
import { type Static, Type } from 'typebox';
import { LIMITS } from './enums.js';
import { StringEnum } from './schemas.js';

export const REDACTION_DETECTORS = ['email', 'phone', 'card', 'iban', 'ip', 'ssn'] as const;
export type RedactionDetector = (typeof REDACTION_DETECTORS)[number];

/** Bounds of the custom patterns an organization may keep. */
export const REDACTION_LIMITS = { customPatterns: 20, patternLength: 500, previewBytes: 16_384 } as const;

const Detector = StringEnum(REDACTION_DETECTORS, {
  description:
    'A built-in detector: `email`, `phone` (≥ 8 digits, not dates, times, ids or amounts), `card` (passes Luhn), `iban` (passes mod-97), `ip` (v4 and v6), `ssn` (US).',
});

export const CustomPattern = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,39}$',
      examples: ['employee'],
      description: 'Lower-case letters, digits, `_` and `-`; a match becomes `[redacted:<name>]`.',
    }),
    pattern: Type.String({
      minLength: 1,
      maxLength: REDACTION_LIMITS.patternLength,
      examples: ['EMP-\\d{6}'],
      description:
        'A regular expression in RE2 syntax (no backreferences or lookaround), run in time linear in the text; `(?i)` for case-insensitive.',
    }),
  },
  { additionalProperties: false },
);
export type CustomPattern = Static<typeof CustomPattern>;

export const RedactionSettingsBody = Type.Object(
  {
    detectors: Type.Array(Detector, { uniqueItems: true, maxItems: REDACTION_DETECTORS.length }),
    custom: Type.Optional(Type.Array(CustomPattern, { maxItems: REDACTION_LIMITS.customPatterns })),
  },
  { additionalProperties: false, description: 'Without `custom`, no custom patterns.' },
);
export type RedactionSettingsBody = Static<typeof RedactionSettingsBody>;

export const RedactionSettings = Type.Object({
  detectors: Type.Array(Detector),
  custom: Type.Array(CustomPattern),
  /**
   * `organization` once the organization saved its own; until then `server`, the server's
   * default (`SWITCHBOARD_REDACT`, none unless set).
   */
  source: StringEnum(['organization', 'server'] as const, {
    description: '`organization` once saved; `server` while the server default (`SWITCHBOARD_REDACT`) applies.',
  }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type RedactionSettings = Static<typeof RedactionSettings>;

export const RedactionPreviewBody = Type.Object(
  {
    text: Type.String({
      maxLength: REDACTION_LIMITS.previewBytes,
      examples: ['Call me at +44 20 7946 0958 or mail jane@example.com'],
      description: 'The sample text to redact.',
    }),
    detectors: Type.Optional(Type.Array(Detector, { uniqueItems: true, maxItems: REDACTION_DETECTORS.length })),
    custom: Type.Optional(Type.Array(CustomPattern, { maxItems: REDACTION_LIMITS.customPatterns })),
  },
  {
    additionalProperties: false,
    description:
      'Without `detectors` and `custom`, the saved settings are tried; with them, the settings as given (to try before saving).',
  },
);
export type RedactionPreviewBody = Static<typeof RedactionPreviewBody>;

export const RedactionPreview = Type.Object({
  text: Type.String({ description: 'The text as it would be stored.' }),
  redactions: Type.Integer({ minimum: 0, description: 'How many matches were replaced.' }),
  byDetector: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
    examples: [{ email: 1, phone: 1 }],
    description: 'Replacements per detector or custom pattern name.',
  }),
});
export type RedactionPreview = Static<typeof RedactionPreview>;

export const RedactionApplyBody = Type.Object(
  {
    filters: Type.String({
      maxLength: LIMITS.viewQueryLength,
      description:
        'The shared filters as a query string, e.g. `channel=voice&from=2026-01-01`; empty for every session.',
      example: 'channel=voice',
    }),
  },
  {
    additionalProperties: false,
    description:
      'The sessions to redact again with the saved settings: their messages, metadata, events and endedReason are rewritten, irreversibly.',
  },
);
export type RedactionApplyBody = Static<typeof RedactionApplyBody>;
