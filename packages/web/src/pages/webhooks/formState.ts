/** The webhook form's state, from an endpoint (edit) or empty (create), and its filters for the API. */
import type { Channel, SessionType, Status, StreamEventType, Webhook, WebhookFilters } from '@switchboard/client';

export interface FormState {
  url: string;
  description: string;
  allEvents: boolean;
  events: StreamEventType[];
  enabled: boolean;
  channel: Channel[];
  status: Status[];
  type: SessionType[];
  /** Comma-separated, as typed. */
  agentIds: string;
  search: string;
  metadata: Array<{ key: string; value: string }>;
}

export function initialState(h?: Webhook): FormState {
  const f = h?.filters ?? {};
  return {
    url: h?.url ?? '',
    description: h?.description ?? '',
    allEvents: !h || h.events.includes('*'),
    events: (h?.events.filter((e) => e !== '*') as StreamEventType[] | undefined) ?? [],
    enabled: h?.enabled ?? true,
    channel: (f.channel as Channel[] | undefined) ?? [],
    status: (f.status as Status[] | undefined) ?? [],
    type: (f.type as SessionType[] | undefined) ?? [],
    agentIds: f.agentId?.join(', ') ?? '',
    search: f.search ?? '',
    metadata: Object.entries(f.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}

/** Only the filters that are set; blank rows and duplicate agent ids are dropped. */
export function filtersOf(s: FormState): WebhookFilters {
  const f: WebhookFilters = {};
  if (s.channel.length) f.channel = s.channel;
  if (s.status.length) f.status = s.status;
  if (s.type.length) f.type = s.type;
  const agents = [
    ...new Set(
      s.agentIds
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  ];
  if (agents.length) f.agentId = agents;
  if (s.search.trim()) f.search = s.search.trim();
  const meta = s.metadata.filter((m) => m.key.trim());
  if (meta.length) f.metadata = Object.fromEntries(meta.map((m) => [m.key.trim(), m.value]));
  return f;
}

export const filterCount = (f: WebhookFilters) => Object.keys(f).length;

export const toggle = <T>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
