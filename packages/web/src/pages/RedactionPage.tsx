import type { RedactionDetector, RedactionPattern, RedactionSettings } from '@switchboard/client';
import { History, Plus, Trash2, WandSparkles } from 'lucide-react';
import { type FormEvent, useEffect, useState } from 'react';
import { isForbidden } from '../api/client';
import {
  useApplyRedactionMutation,
  usePreviewRedactionMutation,
  useRedactionQuery,
  useSaveRedactionMutation,
} from '../api/queries';
import { useJobQuery } from '../api/review';
import { AdminRequired } from '../components/AdminRequired';
import { JobProgress } from '../components/JobProgress';
import { ProblemAlert } from '../components/ProblemAlert';
import { RelativeTime } from '../components/RelativeTime';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  Field,
  Input,
  OptionCard,
  PageHeader,
  QueryState,
} from '../components/ui';
import { CONTROL } from '../components/ui/Input';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const DETECTORS: Array<{ name: RedactionDetector; label: string; hint: string }> = [
  { name: 'email', label: 'Email addresses', hint: 'jane@example.com' },
  { name: 'phone', label: 'Phone numbers', hint: '8 digits or more; not dates, times, ids or amounts' },
  { name: 'card', label: 'Payment cards', hint: '13–19 digits that pass the Luhn check' },
  { name: 'iban', label: 'IBANs', hint: 'Bank accounts that pass the mod-97 check' },
  { name: 'ip', label: 'IP addresses', hint: 'IPv4 and IPv6' },
  { name: 'ssn', label: 'US Social Security numbers', hint: '123-45-6789, as issued' },
];

const SAMPLE =
  'Hi, I am Jane (jane.doe@example.com, +1 415 555 0132). Card 4111 1111 1111 1111 for order #12345678 of 2024-12-04, total $1,234.56.';

export default function RedactionPage() {
  useDocumentTitle('Redaction');
  const settings = useRedactionQuery();
  const forbidden = isForbidden(settings.error);
  return (
    <>
      <PageHeader
        title="Redaction"
        subtitle="Personal data in what your agents report is replaced by [redacted:…] before it is stored, streamed or sent to webhooks. Changes apply to what arrives from then on."
      />
      {forbidden ? (
        <AdminRequired what="change redaction" serverMessage={settings.error?.message} />
      ) : (
        <QueryState
          query={settings}
          label="Loading redaction settings..."
          errorTitle="Could not load redaction settings"
          className="py-16"
        >
          {(data) => <RedactionForm saved={data} />}
        </QueryState>
      )}
    </>
  );
}

function RedactionForm({ saved }: { saved: RedactionSettings }) {
  const [detectors, setDetectors] = useState<RedactionDetector[]>(saved.detectors);
  // Each row keeps a key of its own while it is edited; the API gets {name, pattern}.
  const [rows, setRows] = useState(() => saved.custom.map((c, i) => ({ ...c, key: i })));
  const custom: RedactionPattern[] = rows.map(({ name, pattern }) => ({ name, pattern }));
  const [sample, setSample] = useState(SAMPLE);
  const save = useSaveRedactionMutation();
  const preview = usePreviewRedactionMutation();
  const dirty =
    JSON.stringify([[...detectors].sort(), custom]) !== JSON.stringify([[...saved.detectors].sort(), saved.custom]);

  const toggle = (d: RedactionDetector) =>
    setDetectors((on) => (on.includes(d) ? on.filter((x) => x !== d) : [...on, d]));
  const setPattern = (key: number, p: Partial<RedactionPattern>) =>
    setRows((list) => list.map((c) => (c.key === key ? { ...c, ...p } : c)));

  // The "try it" box follows the form: what the sample becomes under the settings as they stand.
  const { mutate } = preview;
  const body = JSON.stringify({ text: sample, detectors, custom });
  useEffect(() => {
    const timer = setTimeout(() => mutate(JSON.parse(body)), 250);
    return () => clearTimeout(timer);
  }, [body, mutate]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ detectors, custom });
  };

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <form onSubmit={submit} className="space-y-6" aria-label="Redaction settings">
        <Card>
          <CardHeader title="Detectors">
            <Badge tone={detectors.length ? 'indigo' : 'slate'}>
              {detectors.length ? `${detectors.length} on` : 'Off'}
            </Badge>
          </CardHeader>
          <div className="grid gap-2 p-5 sm:grid-cols-2">
            {DETECTORS.map((d) => (
              <OptionCard
                key={d.name}
                checked={detectors.includes(d.name)}
                onChange={() => toggle(d.name)}
                label={d.label}
                hint={d.hint}
              />
            ))}
          </div>
        </Card>
        <Card>
          <CardHeader title="Custom patterns">
            <Button
              size="sm"
              onClick={() =>
                setRows((list) => [
                  ...list,
                  { name: '', pattern: '', key: Math.max(-1, ...list.map((c) => c.key)) + 1 },
                ])
              }
            >
              <Plus className="size-4" aria-hidden="true" />
              Add pattern
            </Button>
          </CardHeader>
          <div className="space-y-4 p-5">
            <p className="text-xs text-slate-500">
              Regular expressions in RE2 syntax, run in linear time (no backreferences or lookaround). A match becomes{' '}
              <code className="rounded bg-slate-100 px-1 text-slate-700">[redacted:name]</code>.
            </p>
            {rows.length === 0 && <p className="text-sm text-slate-500">No custom patterns.</p>}
            {rows.map((c, i) => (
              <div
                key={c.key}
                className="grid grid-cols-[minmax(0,1fr)_auto] items-end gap-2 sm:grid-cols-[10rem_minmax(0,1fr)_auto]"
              >
                <Field label="Name" size="sm" className="col-span-2 sm:col-span-1">
                  <Input
                    value={c.name}
                    placeholder="employee"
                    onChange={(e) => setPattern(c.key, { name: e.target.value })}
                    size="sm"
                  />
                </Field>
                <Field label="Pattern" size="sm">
                  <Input
                    value={c.pattern}
                    placeholder="EMP-\d{6}"
                    onChange={(e) => setPattern(c.key, { pattern: e.target.value })}
                    size="sm"
                    className="font-mono"
                  />
                </Field>
                <Button
                  size="sm"
                  variant="ghost-danger"
                  aria-label={`Remove pattern ${c.name || i + 1}`}
                  onClick={() => setRows((list) => list.filter((r) => r.key !== c.key))}
                >
                  <Trash2 className="size-4" aria-hidden="true" />
                </Button>
              </div>
            ))}
          </div>
        </Card>
        {save.error && <ProblemAlert title="Could not save" error={save.error} />}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" variant="primary" disabled={save.isPending || !dirty}>
            {save.isPending ? 'Saving…' : 'Save'}
          </Button>
          <p className="text-sm text-slate-500" data-testid="redaction-status">
            {dirty ? (
              'Unsaved changes'
            ) : saved.source === 'server' ? (
              'The server’s default (SWITCHBOARD_REDACT) applies until you save.'
            ) : (
              <>
                Saved <RelativeTime iso={saved.updatedAt ?? new Date().toISOString()} />
              </>
            )}
          </p>
        </div>
        <ApplyToStored saved={saved} dirty={dirty} />
      </form>
      <Card className="self-start">
        <CardHeader title="Try it">
          <WandSparkles className="size-4 text-slate-400" aria-hidden="true" />
        </CardHeader>
        <div className="space-y-4 p-5">
          <Field
            id="redaction-sample"
            label="Sample text"
            hint="Checked with the settings on this page, saved or not. Nothing is stored."
          >
            <textarea
              id="redaction-sample"
              aria-describedby="redaction-sample-message"
              value={sample}
              onChange={(e) => setSample(e.target.value)}
              rows={5}
              className={`${CONTROL} w-full px-3 py-2`}
            />
          </Field>
          <div>
            <h3 className="text-xs font-medium text-slate-600">Stored as</h3>
            {preview.error ? (
              <ProblemAlert className="mt-1.5" title="Cannot redact with these settings" error={preview.error} />
            ) : (
              <>
                <p
                  data-testid="redaction-preview"
                  className="mt-1.5 rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 text-sm wrap-anywhere whitespace-pre-wrap text-slate-800"
                >
                  {preview.data?.text ?? '…'}
                </p>
                {preview.data && (
                  <p className="mt-1.5 text-xs text-slate-500" data-testid="redaction-count">
                    {preview.data.redactions === 1 ? '1 replacement' : `${preview.data.redactions} replacements`}
                    {Object.entries(preview.data.byDetector).length > 0 &&
                      `: ${Object.entries(preview.data.byDetector)
                        .map(([name, n]) => `${name} ${n}`)
                        .join(', ')}`}
                  </p>
                )}
              </>
            )}
          </div>
        </div>
      </Card>
    </div>
  );
}

/**
 * Saved settings apply to what arrives from then on; this applies them to the sessions already
 * stored (the server's redaction job), after a confirmation: the replaced text is gone for good.
 */
function ApplyToStored({ saved, dirty }: { saved: RedactionSettings; dirty: boolean }) {
  const apply = useApplyRedactionMutation();
  const [confirming, setConfirming] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobQuery(jobId);
  const on = saved.detectors.length > 0 || saved.custom.length > 0;
  const running = job.data && (job.data.status === 'queued' || job.data.status === 'running');
  return (
    <Card>
      <CardHeader title="Sessions already stored">
        <History className="size-4 text-slate-400" aria-hidden="true" />
      </CardHeader>
      <div className="space-y-3 p-5" data-testid="redaction-apply">
        <p className="text-sm text-slate-600">
          Sessions stored before these settings keep what they hold. Apply the saved settings to every stored session:
          messages, metadata, events and ended reasons are rewritten in the background.
        </p>
        <Button
          onClick={() => setConfirming(true)}
          disabled={!on || dirty || apply.isPending || !!running}
          title={!on ? 'Redaction is off' : dirty ? 'Save your changes first' : undefined}
        >
          Apply to stored sessions
        </Button>
        {!on && <p className="text-xs text-slate-500">Turn on a detector or add a pattern, and save, first.</p>}
        {on && dirty && <p className="text-xs text-slate-500">Save your changes first: the saved settings apply.</p>}
        {job.data && <JobProgress job={job.data} label="Redaction progress" testId="redaction-job" />}
      </div>
      {confirming && (
        <ConfirmDialog
          title="Redact every stored session?"
          confirmLabel="Apply redaction"
          pendingLabel="Starting…"
          pending={apply.isPending}
          error={apply.error && <ProblemAlert title="Could not start" error={apply.error} />}
          onConfirm={() => apply.mutateAsync('').then((r) => setJobId(r.jobId))}
          onClose={() => setConfirming(false)}
        >
          <p>
            Every match of the saved detectors and patterns in stored sessions is replaced by{' '}
            <code className="rounded bg-slate-100 px-1">[redacted:…]</code>, in transcripts, metadata, events, search
            and the events webhooks replay. <strong>This cannot be undone</strong>: the original text is not kept
            anywhere.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
