/** `switchboard tail`: live events, one line each, until Ctrl-C. Reconnects on its own. */
import { type StreamEvent, SwitchboardError } from '@switchboard/client';
import { ConfigError } from '../config.js';
import { Args, CONNECTION_FLAGS, FILTER_FLAGS, clientFrom, filtersFrom } from './args.js';
import { describe } from './export.js';
import { printable } from './terminal.js';

const oneLine = (s: string, max = 100) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** `12:04:05.120  message.created  <session id>  user: Where is my order?` */
function formatEvent(ev: StreamEvent): string {
  const at = new Date(ev.occurredAt);
  const time = `${at.toTimeString().slice(0, 8)}.${String(at.getMilliseconds()).padStart(3, '0')}`;
  let session: string;
  let detail: string;
  switch (ev.type) {
    case 'message.created':
      session = ev.data.sessionId;
      detail = `${ev.data.sender}: ${oneLine(ev.data.content)}`;
      break;
    case 'event.created':
      session = ev.data.sessionId;
      detail = `${ev.data.type} ${oneLine(JSON.stringify(ev.data.data), 80)}`;
      break;
    case 'note.created':
      session = ev.data.sessionId;
      detail = `${ev.data.author.name}: ${oneLine(ev.data.body)}`;
      break;
    case 'alert.fired':
    case 'alert.resolved':
      session = `alert ${ev.data.rule.id}`;
      detail = `${ev.data.rule.name}: ${ev.data.rule.metric} ${ev.data.value ?? 'no value'} (${ev.data.rule.op} ${ev.data.threshold} over ${ev.data.window}s)`;
      break;
    default: {
      const s = ev.data;
      session = s.id;
      detail =
        ev.type === 'session.ended'
          ? `${s.status}${s.endedReason ? ` (${s.endedReason})` : ''}, ${s.messageCount} messages, ${s.durationSeconds ?? 0}s`
          : `${s.agent.name} · ${s.channel}/${s.type} · ${s.status}`;
    }
  }
  return `${time}  ${ev.type.padEnd(15)}  ${session}  ${detail}`;
}

export async function runTail(
  argv: string[],
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = process,
): Promise<number> {
  const args = new Args(argv, [...CONNECTION_FLAGS, ...FILTER_FLAGS, 'last-event-id']);
  const { sb, url } = clientFrom(args);
  const filters = filtersFrom(args);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // The stream reconnects for as long as it runs; a server that is not there at all, or a key
    // it refuses, should end the command with the reason instead.
    await sb.auth.me({ maxRetries: 1 });
    const events = sb.sessions.stream(filters, {
      signal: ac.signal,
      lastEventId: args.get('last-event-id'),
      onReconnect: ({ lastEventId, delayMs }) =>
        io.stderr.write(
          `(connection lost; reconnecting in ${(delayMs / 1000).toFixed(1)} s${lastEventId ? ` after event ${lastEventId}` : ''})\n`,
        ),
    });
    io.stderr.write(`Following live events at ${url} (Ctrl-C to stop)\n`);
    // Content, agent names and event data are other people's text: never let it drive the terminal.
    for await (const ev of events) io.stdout.write(`${printable(formatEvent(ev))}\n`);
    return 0;
  } catch (err) {
    if (err instanceof SwitchboardError) throw new ConfigError(describe(err, url));
    throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
