/** A small Server-Sent Events client for tests: fetch + a line parser, no reconnect magic. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  at: number;
}

export interface SseClient {
  status: number;
  events: SseEvent[];
  comments: string[];
  retry?: number;
  ended: Promise<void>;
  /** Resolves once `n` events have arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

export async function connectSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const client: SseClient = {
    status: res.status,
    events: [],
    comments: [],
    ended: Promise.resolve(),
    async waitFor(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (client.events.length < n) {
        if (Date.now() > deadline)
          throw new Error(`waited ${timeoutMs} ms for ${n} events, got ${client.events.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return client.events.slice(0, n);
    },
    close: () => ac.abort(),
  };
  if (!res.ok || !res.body) return client;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  client.ended = (async () => {
    let buf = '';
    let current: Partial<SseEvent> & { data?: string } = {};
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') {
            if (current.data !== undefined) client.events.push({ ...current, data: current.data, at: Date.now() });
            current = {};
          } else if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
          else {
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
            else if (field === 'id') current.id = value;
            else if (field === 'event') current.event = value;
            else if (field === 'retry') client.retry = Number(value);
          }
          nl = buf.indexOf('\n');
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return client;
}
