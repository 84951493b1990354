import type { CreatedApiKey } from '@switchboard/contracts';
import { BookOpen, KeyRound, Rocket, Sparkles, Terminal } from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { useCreateKeyMutation, useMeQuery } from '../api/queries';
import { ProblemAlert } from './ProblemAlert';
import { Button, Card, CopyButton, cx } from './ui';

/**
 * The Sessions page of an organization that has no sessions yet: how to send the first one.
 * It replaces the empty table until the first session arrives (the live stream refetches the
 * list, and the page then shows the list instead).
 */
export function Onboarding() {
  const me = useMeQuery();
  const origin = window.location.origin;
  const [tab, setTab] = useState<'curl' | 'sdk'>('curl');
  return (
    <Card className="overflow-hidden" data-testid="onboarding">
      <div className="border-b border-slate-200 bg-gradient-to-br from-indigo-50 to-white px-5 py-6 sm:px-8">
        <span className="flex size-10 items-center justify-center rounded-xl bg-indigo-600 text-white shadow-sm">
          <Rocket className="size-5" aria-hidden="true" />
        </span>
        <h2 className="mt-4 text-lg font-semibold text-slate-900">No sessions yet: connect your first agent</h2>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          An agent reports each conversation as it happens: when it starts, every message, and how it ended. It shows up
          here at once. Three steps, a minute each.
        </p>
      </div>
      <ol className="divide-y divide-slate-100">
        <Step n={1} icon={KeyRound} title="Create an ingest key">
          {me.data?.scopes.includes('admin') ? (
            <CreateIngestKey />
          ) : (
            <p>
              Reporting needs a key with the <strong className="font-medium text-slate-900">ingest</strong> scope. Ask
              an admin to create one on the{' '}
              <Link to="/settings/keys" className="font-medium text-indigo-700 hover:underline">
                API keys
              </Link>{' '}
              page.
            </p>
          )}
        </Step>
        <Step n={2} icon={Terminal} title="Report a conversation">
          <p>
            From a shell with <code className="font-mono text-[13px]">curl</code>, or from your agent with the SDK (
            <code className="font-mono text-[13px]">npm install @switchboard/client</code>):
          </p>
          <div className="mt-3 overflow-hidden rounded-lg border border-slate-200">
            <div role="tablist" aria-label="Snippet" className="flex border-b border-slate-200 bg-slate-50">
              {(['curl', 'sdk'] as const).map((t) => (
                <button
                  key={t}
                  type="button"
                  role="tab"
                  aria-selected={tab === t}
                  aria-controls={`snippet-${t}`}
                  id={`snippet-tab-${t}`}
                  onClick={() => setTab(t)}
                  className={cx(
                    '-mb-px border-b-2 px-4 py-2 text-xs font-medium',
                    tab === t
                      ? 'border-indigo-600 text-indigo-700'
                      : 'border-transparent text-slate-500 hover:text-slate-900',
                  )}
                >
                  {t === 'curl' ? 'curl' : 'SDK (TypeScript)'}
                </button>
              ))}
              {/* In the bar, not over the code, which scrolls sideways under it on a phone. */}
              <CopyButton
                value={tab === 'curl' ? curlSnippet(origin) : sdkSnippet(origin)}
                label={tab === 'curl' ? 'Copy curl commands' : 'Copy SDK example'}
                className="my-auto mr-1.5 ml-auto"
              />
            </div>
            <div role="tabpanel" id={`snippet-${tab}`} aria-labelledby={`snippet-tab-${tab}`}>
              <Snippet code={tab === 'curl' ? curlSnippet(origin) : sdkSnippet(origin)} testId={`snippet-${tab}`} />
            </div>
          </div>
        </Step>
        <Step n={3} icon={Sparkles} title="Or look around with demo data">
          <p>
            Restart the server with demo data: realistic sessions from the past 30 days in the default organization, and
            simulated live traffic.
          </p>
          <Snippet code="npm start -- --demo" label="Copy demo command" className="mt-2 rounded-lg" />
        </Step>
      </ol>
      <div className="flex flex-wrap items-center gap-x-5 gap-y-2 border-t border-slate-200 bg-slate-50 px-5 py-3 text-sm sm:px-8">
        <BookOpen className="size-4 text-slate-400" aria-hidden="true" />
        <a href="/api/docs" className="font-medium text-indigo-700 hover:underline">
          API reference
        </a>
        <span className="text-slate-500">
          Integrations, ingest and the SDK: <code className="font-mono text-[13px]">docs/API.md</code> and{' '}
          <code className="font-mono text-[13px]">packages/client/README.md</code> in the repository
        </span>
      </div>
    </Card>
  );
}

function Step({
  n,
  icon: Icon,
  title,
  children,
}: {
  n: number;
  icon: typeof KeyRound;
  title: string;
  children: ReactNode;
}) {
  return (
    // On a phone the number moves into the heading, so the snippets get the whole width.
    <li className="px-4 py-5 sm:grid sm:grid-cols-[auto_minmax(0,1fr)] sm:gap-x-4 sm:px-8">
      <span
        className="hidden size-7 items-center justify-center rounded-full bg-slate-100 text-xs font-semibold text-slate-700 sm:flex"
        aria-hidden="true"
      >
        {n}
      </span>
      <div className="min-w-0 text-sm text-slate-600">
        <h3 className="flex items-center gap-2 pt-0.5 font-semibold text-slate-900">
          <span
            className="flex size-6 items-center justify-center rounded-full bg-slate-100 text-xs font-semibold text-slate-700 sm:hidden"
            aria-hidden="true"
          >
            {n}
          </span>
          <Icon className="hidden size-4 text-slate-400 sm:block" aria-hidden="true" />
          <span>
            <span className="sr-only">Step {n}: </span>
            {title}
          </span>
        </h3>
        <div className="mt-2">{children}</div>
      </div>
    </li>
  );
}

/** A code block, dark in both themes; it scrolls sideways rather than widening the page. */
function Snippet({
  code,
  label,
  className,
  testId,
}: {
  code: string;
  /** The copy button's label; without one, no button (the caller has its own). */
  label?: string;
  className?: string;
  testId?: string;
}) {
  return (
    // Literal colours: a code block is dark in both themes (the palette variables turn over in the dark one).
    <div className={cx('relative bg-[#0f172a] text-[#e2e8f0]', className)}>
      <pre
        className={cx('overflow-x-auto py-3 pl-4 font-mono text-[12.5px] leading-relaxed', label ? 'pr-12' : 'pr-4')}
        data-testid={testId}
      >
        <code>{code}</code>
      </pre>
      {label && (
        <CopyButton
          value={code}
          label={label}
          className="absolute top-2 right-2 text-[#94a3b8] hover:bg-[#ffffff1a] hover:text-[#fff]"
        />
      )}
    </div>
  );
}

function CreateIngestKey() {
  const create = useCreateKeyMutation();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  if (created) {
    return (
      <div role="status" className="rounded-lg border border-amber-200 bg-amber-50 p-3">
        <p className="text-sm font-medium text-amber-900">Copy the key now: it will not be shown again.</p>
        <div className="mt-2 flex items-center gap-2 rounded-md border border-amber-200 bg-white py-1 pr-1 pl-3">
          <code className="min-w-0 flex-1 font-mono text-[13px] break-all text-slate-900" data-testid="onboarding-key">
            export SWITCHBOARD_API_KEY={created.key}
          </code>
          <CopyButton value={`export SWITCHBOARD_API_KEY=${created.key}`} label="Copy API key" />
        </div>
        <p className="mt-2 text-xs text-amber-800">
          “{created.name}” can only report sessions. Manage it on the{' '}
          <Link to="/settings/keys" className="font-medium underline">
            API keys
          </Link>{' '}
          page.
        </p>
      </div>
    );
  }
  return (
    <>
      <p>
        Agents report with a key that has only the <strong className="font-medium text-slate-900">ingest</strong> scope:
        it can send sessions but not read them. Create one here or on the{' '}
        <Link to="/settings/keys" className="font-medium text-indigo-700 hover:underline">
          API keys
        </Link>{' '}
        page.
      </p>
      <Button
        variant="primary"
        size="sm"
        className="mt-3"
        disabled={create.isPending}
        onClick={() => create.mutate({ name: 'First agent', scopes: ['ingest'] }, { onSuccess: setCreated })}
      >
        <KeyRound className="size-3.5" aria-hidden="true" />
        {create.isPending ? 'Creating…' : 'Create ingest key'}
      </Button>
      {create.error && <ProblemAlert className="mt-3" title="Could not create the key" error={create.error} />}
    </>
  );
}

function curlSnippet(origin: string): string {
  const api = `${origin}/api/v1`;
  return `# SWITCHBOARD_API_KEY: an ingest key (step 1). A session starts …
curl -X POST ${api}/sessions \\
  -H "Authorization: Bearer $SWITCHBOARD_API_KEY" -H 'Content-Type: application/json' \\
  -d '{"id":"hello-1","agent":{"id":"support-bot","name":"Support Bot"},"channel":"web","type":"chat"}'

# … the conversation …
curl -X POST ${api}/sessions/hello-1/messages \\
  -H "Authorization: Bearer $SWITCHBOARD_API_KEY" -H 'Content-Type: application/json' \\
  -d '{"messages":[{"sender":"user","content":"Hi, my order is late"},{"sender":"agent","content":"Let me check."}]}'

# … and its end
curl -X PATCH ${api}/sessions/hello-1 \\
  -H "Authorization: Bearer $SWITCHBOARD_API_KEY" -H 'Content-Type: application/json' \\
  -d '{"status":"completed","endedReason":"resolved"}'`;
}

function sdkSnippet(origin: string): string {
  return `// SWITCHBOARD_API_KEY: an ingest key (step 1)
import { Switchboard } from '@switchboard/client';

const sb = new Switchboard({ baseUrl: '${origin}', apiKey: process.env.SWITCHBOARD_API_KEY });

const session = await sb.sessions.start({
  agent: { id: 'support-bot', name: 'Support Bot' },
  channel: 'web', // web, phone, telegram, whatsapp, mobile_sdk, sip
  type: 'chat', // chat, voice, video
});
session.message('user', 'Hi, my order is late');
session.message('agent', 'Let me check.');
await session.end('completed', { endedReason: 'resolved' });
await sb.close();`;
}
