/**
 * Settings → Webhooks: the endpoints, the one being managed (`?endpoint=<id>`, with its delivery
 * log's `status` and `cursor` beside it in the URL), the create form and a secret shown once.
 */
import { Plus } from 'lucide-react';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { isForbidden } from '../../api/client';
import { useWebhooksQuery } from '../../api/queries';
import { AdminRequired } from '../../components/AdminRequired';
import { Button, Card, ErrorAlert, PageHeader, QueryState } from '../../components/ui';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { DELIVERY_VIEW_PARAMS } from './deliveryView';
import { EndpointDetail } from './EndpointDetail';
import { type SecretShown, SecretNotice } from './SecretNotice';
import { WebhookForm } from './WebhookForm';
import { NoWebhooks, WebhooksTable } from './WebhooksTable';

export default function WebhooksPage() {
  useDocumentTitle('Webhooks');
  const hooks = useWebhooksQuery();
  const [sp, setSp] = useSearchParams();
  const selectedId = sp.get('endpoint');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<SecretShown | null>(null);
  const forbidden = isForbidden(hooks.error);

  // Another endpoint (or none) starts its delivery log from the top, unfiltered.
  const select = (id: string | null) =>
    setSp((cur) => {
      const next = new URLSearchParams(cur);
      for (const p of DELIVERY_VIEW_PARAMS) next.delete(p);
      if (id) next.set('endpoint', id);
      else next.delete('endpoint');
      return next;
    });
  const selected = hooks.data?.find((h) => h.id === selectedId) ?? null;

  return (
    <>
      <PageHeader
        title="Webhooks"
        subtitle="Switchboard POSTs signed events (Standard Webhooks) to your endpoints as they happen."
        actions={
          !forbidden && (
            <Button variant="primary" onClick={() => setCreating(true)} disabled={creating}>
              <Plus className="size-4" aria-hidden="true" />
              Add endpoint
            </Button>
          )
        }
      />
      {forbidden ? (
        <AdminRequired what="manage webhooks" serverMessage={hooks.error?.message} />
      ) : (
        <>
          {secret && <SecretNotice notice={secret} onDismiss={() => setSecret(null)} />}
          {creating && (
            <Card className="mb-6 p-6">
              <WebhookForm
                onCancel={() => setCreating(false)}
                onSaved={(h) => {
                  setCreating(false);
                  if ('secret' in h) setSecret({ hook: h, rotated: false });
                  select(h.id);
                }}
              />
            </Card>
          )}
          <Card className="relative overflow-x-auto">
            <QueryState
              query={hooks}
              label="Loading webhooks..."
              errorTitle="Could not load webhooks"
              className="py-16"
              errorClassName="p-6"
              isEmpty={(data) => data.length === 0}
              empty={<NoWebhooks onCreate={() => setCreating(true)} />}
            >
              {(data) => <WebhooksTable hooks={data} selectedId={selectedId} onSelect={select} />}
            </QueryState>
          </Card>
          {selected && (
            <EndpointDetail
              key={selected.id}
              hook={selected}
              onRotated={(h) => setSecret({ hook: h, rotated: true })}
              onDeleted={() => {
                setSecret(null);
                select(null);
              }}
            />
          )}
          {selectedId && hooks.data && !selected && (
            <ErrorAlert className="mt-6" message="That endpoint does not exist (any more)." />
          )}
        </>
      )}
    </>
  );
}
