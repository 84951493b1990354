/**
 * A scripted support bot that holds a few conversations at once and reports each of them to
 * Switchboard through the SDK, the way a real agent would: start the session, record every
 * message as it is said (with human-like pauses), note system events, tag what it learns as
 * metadata, and end the session with a reason. Each answer carries how long the bot took and
 * what its model used (tokens and cost), so the session's stats and the Agents page fill in.
 *
 *   npm run example -- --url http://127.0.0.1:8080 --key swb_…
 *
 * Flags: --url (SWITCHBOARD_URL, else http://localhost:$PORT), --key (SWITCHBOARD_API_KEY; needs the ingest scope),
 * --speed N (1 = real time, 10 = ten times faster, 0 = no pauses), --rounds N (repeat the scripts).
 */
import { type SessionHandle, Switchboard, SwitchboardIngestError } from '@switchboard/client';
import { type Script, scripts } from './scripts.js';

function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const baseUrl = flag('url', process.env.SWITCHBOARD_URL || `http://localhost:${process.env.PORT || 8080}`) as string;
const apiKey = flag('key', process.env.SWITCHBOARD_API_KEY);
const speed = Number(flag('speed', '1'));
const rounds = Number(flag('rounds', '1'));
if (!apiKey) {
  console.error('Pass an API key with the ingest scope: --key swb_… (or SWITCHBOARD_API_KEY).');
  console.error('Create one with: npm run switchboard -- keys create --name support-bot --scopes ingest');
  process.exit(2);
}

const sb = new Switchboard({
  baseUrl,
  apiKey,
  onError: (err, items) => console.error(`  ! Switchboard refused ${items.length} item(s): ${err.message}`),
});

/** Waits as a person would: time to read and type, shortened by --speed. */
const pause = (ms: number) => (speed > 0 ? new Promise((r) => setTimeout(r, ms / speed)) : Promise.resolve());
const typing = (text: string) => 600 + text.length * 35;
/** How long the bot "thinks" before answering, as a model call would take. */
const thinking = (text: string) => 700 + text.length * 18;

/**
 * What a model call would have used: about four characters a token, priced as gpt-4o-mini
 * ($0.15 per million input tokens, $0.60 per million output). A real agent reports the usage
 * its model API returns instead.
 */
const MODEL = 'gpt-4o-mini';
function usageOf(prompt: string, answer: string) {
  const inputTokens = 350 + Math.ceil(prompt.length / 4); // the system prompt, then the conversation
  const outputTokens = Math.ceil(answer.length / 4);
  const costUsd = Math.round(inputTokens * 150 + outputTokens * 600) / 1e9;
  return { inputTokens, outputTokens, costUsd, model: MODEL };
}

async function converse(script: Script, round: number): Promise<void> {
  // Conversations start a little apart, like real traffic.
  await pause(script.delayMs);
  const session: SessionHandle = await sb.sessions.start({
    // Its own agent, so its sessions stand apart from the demo's `support-bot` on the dashboard.
    agent: { id: 'example-support-bot', name: 'Example Support Bot' },
    channel: script.channel,
    type: script.type,
    metadata: { ...script.metadata, round, example: true },
  });
  const tag = `[${script.channel}/${script.type}]`.padEnd(16);
  console.log(`${tag} started ${session.id}: ${script.title}`);
  session.event('connection_established', { client: script.client });

  let transcript = '';
  for (const step of script.steps) {
    if ('say' in step && step.from === 'agent') {
      // The time the answer took, in real-time terms whatever --speed is, and its model usage.
      const latencyMs = thinking(step.say);
      await pause(latencyMs);
      session.message('agent', step.say, { latencyMs, usage: usageOf(transcript, step.say) });
      transcript += `${step.say}\n`;
      console.log(`${tag} agent: ${step.say}  (${latencyMs} ms)`);
    } else if ('say' in step) {
      await pause(typing(step.say));
      session.message(step.from, step.say);
      transcript += `${step.say}\n`;
      console.log(`${tag} user : ${step.say}`);
    } else if ('event' in step) {
      session.event(step.event, step.data);
      console.log(`${tag} (${step.event})`);
    } else if ('learn' in step) {
      session.update({ metadata: step.learn });
    }
  }
  // After the conversation the bot writes a summary for the ticket: model usage that belongs to
  // no message, reported on its own (counted once however often the SDK has to retry it).
  session.reportUsage(usageOf(transcript, 'x'.repeat(240)));
  await pause(400);
  session.event('disconnected', { by: script.end.reason === 'user_hangup' ? 'user' : 'agent' });
  try {
    await session.end(script.end.status, { endedReason: script.end.reason });
    console.log(`${tag} ended: ${script.end.status} (${script.end.reason})`);
  } catch (err) {
    if (!(err instanceof SwitchboardIngestError)) throw err;
    console.error(`${tag} some of this conversation was refused: ${err.message}`);
  }
}

async function main() {
  console.log(`Reporting ${scripts.length * rounds} conversations to ${baseUrl} (speed ×${speed || '∞'})\n`);
  process.once('SIGINT', async () => {
    console.log('\nStopping: sending what is queued…');
    await sb.close().catch(() => {});
    process.exit(130);
  });
  for (let round = 1; round <= rounds; round++) await Promise.all(scripts.map((s) => converse(s, round)));
  await sb.close();
  console.log(`\nDone. Open ${baseUrl}/ to see them on the dashboard.`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
