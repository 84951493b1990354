/**
 * Alerts (docs/ALERTS.md): the rules with their state; an admin creates and edits them in a form
 * that shows the metric's value now and over the last 24 hours against the threshold, as the
 * evaluator would see it (the preview endpoint), redrawn as the form changes.
 */
import type { Alert, AlertMetric, AlertOp, AlertPreviewBody, CreateAlertBody } from '@switchboard/client';
import { Pencil, Plus, Trash2 } from 'lucide-react';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import {
  useAlertPreviewQuery,
  useAlertsQuery,
  useDeleteAlertMutation,
  useMeQuery,
  useSaveAlertMutation,
} from '../api/queries';
import { ProblemAlert } from '../components/ProblemAlert';
import { RelativeTime } from '../components/RelativeTime';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Checkbox,
  ConfirmDialog,
  cx,
  Field,
  Input,
  PageHeader,
  QueryState,
  Select,
} from '../components/ui';
import {
  COOLDOWNS,
  conditionText,
  formatMetric,
  holds,
  isRate,
  METRIC_LABELS,
  METRICS,
  OPS,
  WINDOWS,
  windowLabel,
} from '../lib/alerts';
import { useDocumentTitle } from '../lib/useDocumentTitle';

function StateBadge({ alert }: { alert: Alert }) {
  if (!alert.enabled) return <Badge tone="gray">Off</Badge>;
  return alert.state === 'firing' ? (
    <Badge tone="red" dot>
      Firing
    </Badge>
  ) : (
    <Badge tone="green" dot>
      OK
    </Badge>
  );
}

export default function AlertsPage() {
  useDocumentTitle('Alerts');
  const alerts = useAlertsQuery();
  const me = useMeQuery();
  const admin = me.data?.scopes.includes('admin') ?? false;
  const [editing, setEditing] = useState<Alert | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Alert | null>(null);
  const remove = useDeleteAlertMutation();

  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="Be told when agents fail, slow down or go quiet: in the bell, the browser, Slack and webhooks."
        actions={
          admin && (
            <Button variant="primary" onClick={() => setEditing('new')} disabled={editing !== null}>
              <Plus className="size-4" aria-hidden="true" />
              New alert
            </Button>
          )
        }
      />
      {editing && (
        <AlertForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      )}
      <Card>
        <CardHeader title="Rules" />
        <QueryState
          query={alerts}
          label="Loading alerts…"
          errorTitle="Could not load alerts"
          className="py-12"
          errorClassName="p-6"
          isEmpty={(data) => data.length === 0}
          empty={
            <p className="px-5 py-10 text-center text-sm text-slate-500" data-testid="alerts-empty">
              {admin
                ? 'No alerts yet. Create one to hear when sessions fail, answers slow down or nothing comes in.'
                : 'No alerts yet. An admin can create alert rules; they will show here.'}
            </p>
          }
        >
          {(data) => (
            <ul className="divide-y divide-slate-100" aria-label="Alert rules">
              {data.map((a) => (
                <li
                  key={a.id}
                  className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-6"
                  data-testid="alert-row"
                >
                  <div className="min-w-0 flex-1 basis-64">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium text-slate-900">{a.name}</span>
                      <StateBadge alert={a} />
                      {a.slack && <Badge tone="slate">Slack</Badge>}
                    </div>
                    <p className="mt-0.5 text-sm text-slate-600">{conditionText(a)}</p>
                    {a.filters && <p className="mt-0.5 truncate text-xs text-slate-500">Sessions: {a.filters}</p>}
                  </div>
                  <div className="text-sm text-slate-600 tabular-nums">
                    <span className="text-xs text-slate-500">Now </span>
                    <span data-testid="alert-value" className="font-medium text-slate-900">
                      {formatMetric(a.metric, a.value)}
                    </span>
                    {a.evaluatedAt && (
                      <span className="block text-xs text-slate-500">
                        checked <RelativeTime iso={a.evaluatedAt} />
                      </span>
                    )}
                  </div>
                  {admin && (
                    <div className="flex gap-1">
                      <Button size="sm" variant="ghost" onClick={() => setEditing(a)} aria-label={`Edit ${a.name}`}>
                        <Pencil className="size-4" aria-hidden="true" />
                        Edit
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost-danger"
                        onClick={() => setDeleting(a)}
                        aria-label={`Delete ${a.name}`}
                      >
                        <Trash2 className="size-4" aria-hidden="true" />
                      </Button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </Card>
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error?.message}
          onConfirm={() => remove.mutateAsync(deleting.id)}
          onClose={() => setDeleting(null)}
        >
          The rule and its history are deleted; nothing more is sent for it.
        </ConfirmDialog>
      )}
    </>
  );
}

/** The form's values as the fields hold them (text while typed). */
interface FormValues {
  name: string;
  filters: string;
  metric: AlertMetric;
  op: AlertOp;
  threshold: string;
  windowSeconds: number;
  cooldownSeconds: number;
  slackUrl: string;
  removeSlack: boolean;
  enabled: boolean;
}

function valuesOf(a: Alert | null): FormValues {
  return {
    name: a?.name ?? '',
    filters: a?.filters ?? '',
    metric: a?.metric ?? 'failureRate',
    op: a?.op ?? 'gt',
    threshold: a ? String(isRate(a.metric) ? Math.round(a.threshold * 10000) / 100 : a.threshold) : '20',
    windowSeconds: a?.windowSeconds ?? 900,
    cooldownSeconds: a?.cooldownSeconds ?? 0,
    slackUrl: '',
    removeSlack: false,
    enabled: a?.enabled ?? true,
  };
}

/** The threshold in the API's unit: rates are typed as percentages. */
function thresholdOf(v: FormValues): number | null {
  if (v.threshold.trim() === '') return null;
  const n = Number(v.threshold);
  if (!Number.isFinite(n)) return null;
  return isRate(v.metric) ? n / 100 : n;
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function AlertForm({ initial, onDone }: { initial: Alert | null; onDone: () => void }) {
  const [v, setV] = useState<FormValues>(() => valuesOf(initial));
  const save = useSaveAlertMutation();
  const set = <K extends keyof FormValues>(k: K, value: FormValues[K]) => setV((cur) => ({ ...cur, [k]: value }));
  const threshold = thresholdOf(v);
  const previewBody = useDebounced<AlertPreviewBody>(
    useMemo(
      () => ({ filters: v.filters.trim(), metric: v.metric, windowSeconds: v.windowSeconds }),
      [v.filters, v.metric, v.windowSeconds],
    ),
    300,
  );
  const preview = useAlertPreviewQuery(previewBody);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (threshold === null) return;
    const body: CreateAlertBody = {
      name: v.name.trim(),
      filters: v.filters.trim(),
      metric: v.metric,
      op: v.op,
      threshold,
      windowSeconds: v.windowSeconds,
      cooldownSeconds: v.cooldownSeconds,
      enabled: v.enabled,
      ...(v.slackUrl.trim() ? { slackUrl: v.slackUrl.trim() } : v.removeSlack ? { slackUrl: null } : {}),
    };
    save.mutate({ id: initial?.id, body }, { onSuccess: onDone });
  };

  return (
    <Card className="mb-6">
      <CardHeader title={initial ? `Edit “${initial.name}”` : 'New alert'} />
      <form
        onSubmit={submit}
        className="grid gap-6 p-4 sm:p-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]"
        aria-label="Alert rule"
      >
        <div className="grid content-start gap-4">
          <Field label="Name">
            <Input
              value={v.name}
              onChange={(e) => set('name', e.target.value)}
              required
              maxLength={128}
              placeholder="Phone calls failing"
            />
          </Field>
          <div className="grid grid-cols-[minmax(0,1fr)_4.25rem_6rem] items-end gap-2">
            <Field label="When">
              <Select
                className="w-full"
                value={v.metric}
                onChange={(e) => set('metric', e.target.value as AlertMetric)}
              >
                {METRICS.map((m) => (
                  <option key={m} value={m}>
                    {METRIC_LABELS[m]}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label={<span className="sr-only">Comparison</span>}>
              <Select
                className="w-full"
                value={v.op}
                onChange={(e) => set('op', e.target.value as AlertOp)}
                aria-label="Comparison"
              >
                {(Object.keys(OPS) as AlertOp[]).map((o) => (
                  <option key={o} value={o}>
                    {OPS[o]}
                  </option>
                ))}
              </Select>
            </Field>
            <Field
              label={
                isRate(v.metric) ? 'Threshold (%)' : v.metric === 'firstResponseP95Ms' ? 'Threshold (ms)' : 'Threshold'
              }
            >
              <Input
                type="number"
                inputMode="decimal"
                step="any"
                value={v.threshold}
                onChange={(e) => set('threshold', e.target.value)}
                required
                aria-invalid={threshold === null ? true : undefined}
              />
            </Field>
          </div>
          <Field
            label="Over the last"
            hint={v.metric === 'active' ? 'Active sessions are counted now; the window does not apply.' : undefined}
          >
            <Select
              className="w-full"
              value={v.windowSeconds}
              onChange={(e) => set('windowSeconds', Number(e.target.value))}
            >
              {WINDOWS.map(([s, label]) => (
                <option key={s} value={s}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field
            label="Sessions"
            note="optional"
            hint="The Sessions page's filters as a query string, e.g. channel=phone&agentId=support-bot. Empty: every session."
          >
            <Input
              value={v.filters}
              onChange={(e) => set('filters', e.target.value)}
              placeholder="channel=phone"
              spellCheck={false}
            />
          </Field>
          <Field label="While it keeps firing">
            <Select
              className="w-full"
              value={v.cooldownSeconds}
              onChange={(e) => set('cooldownSeconds', Number(e.target.value))}
            >
              {COOLDOWNS.map(([s, label]) => (
                <option key={s} value={s}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field
            label="Slack webhook URL"
            note="optional"
            hint={
              initial?.slack
                ? 'A URL is set (it is never shown). Type a new one to replace it.'
                : 'A Slack incoming webhook; each change is posted there.'
            }
          >
            <Input
              type="url"
              value={v.slackUrl}
              onChange={(e) => set('slackUrl', e.target.value)}
              placeholder="https://hooks.slack.com/services/…"
            />
          </Field>
          {initial?.slack && !v.slackUrl && (
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <Checkbox checked={v.removeSlack} onChange={(e) => set('removeSlack', e.target.checked)} />
              Stop posting to Slack
            </label>
          )}
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <Checkbox checked={v.enabled} onChange={(e) => set('enabled', e.target.checked)} />
            Enabled
          </label>
          {save.error && <ProblemAlert title="The alert was not saved" error={save.error} />}
          <div className="flex gap-2">
            <Button type="submit" variant="primary" disabled={save.isPending || threshold === null}>
              {save.isPending ? 'Saving…' : initial ? 'Save' : 'Create alert'}
            </Button>
            <Button onClick={onDone}>Cancel</Button>
          </div>
        </div>
        <PreviewPanel
          metric={v.metric}
          op={v.op}
          threshold={threshold}
          windowSeconds={v.windowSeconds}
          preview={preview}
        />
      </form>
    </Card>
  );
}

function PreviewPanel({
  metric,
  op,
  threshold,
  windowSeconds,
  preview,
}: {
  metric: AlertMetric;
  op: AlertOp;
  threshold: number | null;
  windowSeconds: number;
  preview: ReturnType<typeof useAlertPreviewQuery>;
}) {
  const data = preview.data;
  const value = data?.value ?? null;
  const breached = holds(value, op, threshold);
  return (
    <section aria-label="Preview" className="min-w-0 rounded-lg border border-slate-200 bg-slate-50/60 p-4">
      <h3 className="text-sm font-semibold text-slate-900">Right now</h3>
      {preview.error ? (
        <ProblemAlert className="mt-2" title="No preview for these settings" error={preview.error} />
      ) : (
        <>
          <p className="mt-1 flex flex-wrap items-baseline gap-2">
            <span className="text-2xl font-semibold text-slate-900 tabular-nums" data-testid="preview-value">
              {data ? formatMetric(metric, value) : '…'}
            </span>
            {data && threshold !== null && (
              <Badge tone={breached ? 'red' : 'green'}>{breached ? 'Would fire' : 'Would stay OK'}</Badge>
            )}
          </p>
          <p className="mt-1 text-xs text-slate-500">
            {METRIC_LABELS[metric]}
            {metric === 'active' ? ' now' : ` over ${windowLabel(windowSeconds)}`}, against {OPS[op]}{' '}
            {threshold === null ? '…' : formatMetric(metric, threshold)}
          </p>
          <h3 className="mt-4 text-sm font-semibold text-slate-900">Last 24 hours</h3>
          {data && <PreviewChart metric={metric} op={op} points={data.points} threshold={threshold} />}
        </>
      )}
    </section>
  );
}

/** The metric at each hour against the threshold (a dashed line); points past it in red. */
function PreviewChart({
  metric,
  op,
  points,
  threshold,
}: {
  metric: AlertMetric;
  op: AlertOp;
  points: Array<{ at: string; value: number | null }>;
  threshold: number | null;
}) {
  const W = 480;
  const H = 160;
  const pad = { l: 8, r: 8, t: 10, b: 18 };
  const values = points.map((p) => p.value).filter((x): x is number => x !== null);
  if (values.length < 2)
    return (
      <p className="mt-2 text-sm text-slate-500" data-testid="preview-chart-empty">
        {metric === 'active'
          ? 'Active sessions are counted now only; there is no history to draw.'
          : 'No sessions in the last 24 hours.'}
      </p>
    );
  const max = Math.max(...values, threshold ?? 0) * 1.1 || 1;
  const x = (i: number) => pad.l + (i / (points.length - 1)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / max) * (H - pad.t - pad.b);
  let d = '';
  points.forEach((p, i) => {
    if (p.value === null) return;
    d += `${d && points[i - 1]?.value !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
  });
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="mt-2 h-40 w-full text-indigo-500"
      role="img"
      aria-label={`${METRIC_LABELS[metric]} over the last 24 hours${threshold === null ? '' : `, threshold ${formatMetric(metric, threshold)}`}`}
      data-testid="preview-chart"
    >
      <line x1={pad.l} x2={W - pad.r} y1={H - pad.b} y2={H - pad.b} className="stroke-slate-300" strokeWidth="1" />
      {threshold !== null && (
        <g>
          <line
            x1={pad.l}
            x2={W - pad.r}
            y1={y(threshold)}
            y2={y(threshold)}
            className="stroke-red-500"
            strokeWidth="1.5"
            strokeDasharray="5 4"
          />
          <text x={W - pad.r} y={y(threshold) - 4} textAnchor="end" className="fill-red-600 text-[11px]">
            {formatMetric(metric, threshold)}
          </text>
        </g>
      )}
      <path d={d} fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
      {points.map((p, i) =>
        p.value === null ? null : (
          <circle
            key={p.at}
            cx={x(i)}
            cy={y(p.value)}
            r={i === points.length - 1 ? 3.5 : 2}
            className={cx(holds(p.value, op, threshold) ? 'fill-red-500' : 'fill-indigo-500')}
          />
        ),
      )}
      <text x={pad.l} y={H - 4} className="fill-slate-500 text-[11px]">
        24 h ago
      </text>
      <text x={W - pad.r} y={H - 4} textAnchor="end" className="fill-slate-500 text-[11px]">
        now
      </text>
    </svg>
  );
}
