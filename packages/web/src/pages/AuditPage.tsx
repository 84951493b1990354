/** Settings → Audit log: who changed what and when, newest first, filtered by action group. Admins only. */
import type { AuditEntry } from '@switchboard/client';
import { useState } from 'react';
import { useAuditQuery } from '../api/accounts';
import { isForbidden } from '../api/client';
import { AdminRequired } from '../components/AdminRequired';
import { RelativeTime } from '../components/RelativeTime';
import { Button, Card, Field, PageHeader, QueryState, Select, TBody, Th, THead } from '../components/ui';
import { dateTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const GROUPS: Record<string, string> = {
  '': 'Everything',
  user: 'People',
  key: 'API keys',
  webhook: 'Webhooks',
  integration: 'Integrations',
};

function describe(e: AuditEntry): string {
  const d = e.details;
  const parts: string[] = [];
  for (const k of ['email', 'name', 'url', 'provider'] as const) if (typeof d[k] === 'string') parts.push(String(d[k]));
  const role = d.role as { from?: string; to?: string } | string | undefined;
  if (typeof role === 'string') parts.push(`as ${role}`);
  else if (role?.to) parts.push(`${role.from} → ${role.to}`);
  if (typeof d.disabled === 'boolean') parts.push(d.disabled ? 'disabled' : 'enabled');
  if (Array.isArray(d.scopes)) parts.push(`scopes ${d.scopes.join(', ')}`);
  return parts.join(' · ');
}

export default function AuditPage() {
  useDocumentTitle('Audit log');
  const [action, setAction] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const audit = useAuditQuery({ action: action || undefined, cursor, limit: 50 });
  const forbidden = isForbidden(audit.error);

  return (
    <>
      <PageHeader title="Audit log" subtitle="Who changed keys, webhooks, integrations and people, and when." />
      {forbidden ? (
        <AdminRequired what="read the audit log" serverMessage={audit.error?.message} />
      ) : (
        <>
          <div className="mb-4 max-w-xs">
            <Field id="audit-action" label="Show">
              <Select
                value={action}
                onChange={(e) => {
                  setAction(e.target.value);
                  setCursors([]);
                }}
              >
                {Object.entries(GROUPS).map(([v, label]) => (
                  <option key={v} value={v}>
                    {label}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <Card className="relative overflow-x-auto">
            <QueryState
              query={audit}
              label="Loading the audit log…"
              errorTitle="Could not load the audit log"
              className="py-16"
              errorClassName="p-6"
              isEmpty={(data) => data.data.length === 0}
              empty={<p className="px-6 py-12 text-center text-sm text-slate-500">Nothing recorded yet.</p>}
            >
              {(data) => (
                <table className="w-full text-sm">
                  <caption className="sr-only">Audit log</caption>
                  <THead>
                    <Th>When</Th>
                    <Th>Who</Th>
                    <Th>What</Th>
                    <Th className="hidden md:table-cell">Details</Th>
                  </THead>
                  <TBody>
                    {data.data.map((e) => (
                      <tr key={e.id} data-action={e.action}>
                        <td className="px-5 py-3 whitespace-nowrap text-slate-600" title={dateTime(e.at)}>
                          <RelativeTime iso={e.at} />
                        </td>
                        <td className="px-5 py-3">
                          <span className="font-medium text-slate-900 wrap-anywhere">{e.actor.name}</span>
                          <span className="block text-xs text-slate-500">
                            {e.actor.type === 'key' ? 'API key' : e.actor.type === 'user' ? 'person' : 'Switchboard'}
                          </span>
                        </td>
                        <td className="px-5 py-3">
                          <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{e.action}</code>
                          <span className="mt-1 block text-xs text-slate-500 wrap-anywhere md:hidden">
                            {describe(e)}
                          </span>
                        </td>
                        <td className="hidden px-5 py-3 text-slate-600 wrap-anywhere md:table-cell">{describe(e)}</td>
                      </tr>
                    ))}
                  </TBody>
                </table>
              )}
            </QueryState>
          </Card>
          <div className="mt-4 flex justify-end gap-2">
            <Button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </Button>
            <Button
              disabled={!audit.data?.pagination.nextCursor}
              onClick={() => {
                const next = audit.data?.pagination.nextCursor;
                if (next) setCursors((c) => [...c, next]);
              }}
            >
              Older
            </Button>
          </div>
        </>
      )}
    </>
  );
}
