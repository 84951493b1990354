/**
 * Alert rules (docs/ALERTS.md): a metric of the sessions matching the shared filters, over a
 * sliding window, compared with a threshold. A rule is `ok` or `firing`; each change is an
 * `alert.fired` or `alert.resolved` event on the stream and to webhooks.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { LIMITS, RANGE_OPS } from './enums.js';
import { StringEnum } from './schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

/**
 * What a rule measures over its window: sessions started, sessions ended failed, failed ÷ ended,
 * sessions active now (the window does not apply), and over the sessions started in the window
 * the 95th percentile of the first response, the share with a handoff, the share with an error.
 */
export const ALERT_METRICS = [
  'sessions',
  'failed',
  'failureRate',
  'active',
  'firstResponseP95Ms',
  'handoffRate',
  'errorRate',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const ALERT_OPS = RANGE_OPS;
export type AlertOp = (typeof ALERT_OPS)[number];
export const ALERT_STATES = ['ok', 'firing'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_LIMITS = {
  nameLength: 128,
  filtersLength: 4096,
  windowSecondsMin: 60,
  windowSecondsMax: 86_400,
  cooldownSecondsMax: 7 * 86_400,
  rulesPerOrg: 200,
  historyLimitMax: 500,
  historyLimitDefault: 100,
} as const;

const Name = Type.String({ minLength: 1, maxLength: ALERT_LIMITS.nameLength, pattern: '\\S' });
const Filters = Type.String({
  maxLength: ALERT_LIMITS.filtersLength,
  description:
    'The shared session filters as a query string (`channel=phone&agentId=support`), as the sessions list takes them; `from`, `to` and `transcript` are not allowed (the window is the range).',
});
const Metric = StringEnum(ALERT_METRICS, { description: `One of: ${ALERT_METRICS.join(', ')}.` });
const Op = StringEnum(ALERT_OPS, { description: 'The rule fires while `value <op> threshold` holds.' });
const Threshold = Type.Number({ description: 'Rates are fractions (0.2 = 20 %); times in milliseconds.' });
const WindowSeconds = Type.Integer({
  minimum: ALERT_LIMITS.windowSecondsMin,
  maximum: ALERT_LIMITS.windowSecondsMax,
  description: 'The sliding window the metric is measured over, in seconds (60–86,400).',
});
const CooldownSeconds = Type.Integer({
  minimum: 0,
  maximum: ALERT_LIMITS.cooldownSecondsMax,
  description:
    'While firing, fire again (a reminder) once this many seconds have passed since the last firing; 0 never.',
});
const SlackUrl = Type.String({
  minLength: 1,
  maxLength: LIMITS.webhookUrlLength,
  description:
    'A Slack incoming-webhook URL (or any receiver of `{"text": …}`); the same address rules as webhooks. Never shown again.',
});

export const CreateAlertBody = Type.Object(
  {
    name: Name,
    filters: Type.Optional({ ...Filters, default: '' }),
    metric: Metric,
    op: Op,
    threshold: Threshold,
    windowSeconds: WindowSeconds,
    cooldownSeconds: Type.Optional({ ...CooldownSeconds, default: 0 }),
    slackUrl: Type.Optional(Nullable(SlackUrl)),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type CreateAlertBody = Static<typeof CreateAlertBody>;

export const UpdateAlertBody = Type.Object(
  {
    name: Type.Optional(Name),
    filters: Type.Optional(Filters),
    metric: Type.Optional(Metric),
    op: Type.Optional(Op),
    threshold: Type.Optional(Threshold),
    windowSeconds: Type.Optional(WindowSeconds),
    cooldownSeconds: Type.Optional(CooldownSeconds),
    slackUrl: Type.Optional(Nullable(SlackUrl)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAlertBody = Static<typeof UpdateAlertBody>;

export const Alert = Type.Object({
  id: Type.String(),
  name: Type.String(),
  filters: Type.String(),
  metric: Metric,
  op: Op,
  threshold: Type.Number(),
  windowSeconds: Type.Integer(),
  cooldownSeconds: Type.Integer(),
  /** Whether Slack is told; the URL itself is a secret and never shown. */
  slack: Type.Boolean({ description: 'Whether a `slackUrl` is set (the URL is never shown).' }),
  enabled: Type.Boolean(),
  state: StringEnum(ALERT_STATES),
  /** When the rule last changed state (or was created). */
  stateSince: Time,
  /** The value of the last evaluation; null before the first, or when a rate has nothing to divide. */
  value: Nullable(Type.Number()),
  evaluatedAt: Nullable(Time),
  lastFiredAt: Nullable(Time),
  createdAt: Time,
  updatedAt: Time,
});
export type Alert = Static<typeof Alert>;

export const AlertList = Type.Object({ data: Type.Array(Alert) });
export type AlertList = Static<typeof AlertList>;

export const AlertIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type AlertIdParams = Static<typeof AlertIdParams>;

export const AlertTransition = Type.Object({
  /** The state the rule moved to; `firing` again after a cooldown is a reminder. */
  state: StringEnum(ALERT_STATES),
  value: Nullable(Type.Number()),
  threshold: Type.Number(),
  op: Op,
  windowSeconds: Type.Integer(),
  at: Time,
});
export type AlertTransition = Static<typeof AlertTransition>;

export const AlertHistoryQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: ALERT_LIMITS.historyLimitMax, default: ALERT_LIMITS.historyLimitDefault }),
    ),
  },
  { additionalProperties: false },
);
export type AlertHistoryQuery = Static<typeof AlertHistoryQuery>;

export const AlertHistory = Type.Object({ data: Type.Array(AlertTransition, { description: 'Newest first.' }) });
export type AlertHistory = Static<typeof AlertHistory>;

export const AlertPreviewBody = Type.Object(
  {
    filters: Type.Optional({ ...Filters, default: '' }),
    metric: Metric,
    windowSeconds: WindowSeconds,
  },
  { additionalProperties: false },
);
export type AlertPreviewBody = Static<typeof AlertPreviewBody>;

export const AlertPreview = Type.Object({
  /** The metric now, as the evaluator would see it. */
  value: Nullable(Type.Number()),
  /** The metric at each hour of the last 24 h (each over the window ending then), oldest first. */
  points: Type.Array(Type.Object({ at: Time, value: Nullable(Type.Number()) })),
  generatedAt: Time,
});
export type AlertPreview = Static<typeof AlertPreview>;

/** The `data` of an `alert.fired` / `alert.resolved` event. */
export const AlertEventData = Type.Object({
  rule: Alert,
  value: Nullable(Type.Number()),
  threshold: Type.Number(),
  /** The window in seconds. */
  window: Type.Integer(),
});
export type AlertEventData = Static<typeof AlertEventData>;
