/** The conversations the example bot holds. Each ends differently, so the dashboard shows variety. */
import type { Channel, Metadata, Sender, SessionType, TerminalStatus } from '@switchboard/client';

type Step = { from: Sender; say: string } | { event: string; data?: Record<string, unknown> } | { learn: Metadata };

export interface Script {
  title: string;
  channel: Channel;
  type: SessionType;
  client: string;
  delayMs: number;
  metadata: Metadata;
  steps: Step[];
  end: { status: TerminalStatus; reason: string };
}

export const scripts: Script[] = [
  {
    title: 'Where is my order?',
    channel: 'web',
    type: 'chat',
    client: 'web-widget/2.4',
    delayMs: 0,
    metadata: { userId: 'u_1842', plan: 'pro', locale: 'en-GB' },
    steps: [
      { from: 'user', say: 'Hi, my order #48213 was supposed to arrive yesterday.' },
      { from: 'agent', say: 'Sorry about that! Let me look up order #48213 for you.' },
      { event: 'tool_call', data: { tool: 'orders.lookup', orderId: '48213', ms: 212 } },
      { learn: { intent: 'order_status', orderId: '48213' } },
      { from: 'agent', say: 'It left our warehouse on Monday and is out for delivery today, before 6 pm.' },
      { from: 'user', say: 'Great, thanks. Can I get the tracking link?' },
      { from: 'agent', say: 'Of course: https://track.example.com/48213. Anything else?' },
      { from: 'user', say: "No, that's all. Thank you!" },
    ],
    end: { status: 'completed', reason: 'resolved' },
  },
  {
    title: 'Refund, handed to a human',
    channel: 'whatsapp',
    type: 'chat',
    client: 'whatsapp-cloud-api',
    delayMs: 1200,
    metadata: { userId: 'u_0937', plan: 'free', locale: 'en-US' },
    steps: [
      { from: 'user', say: 'I was charged twice for my subscription this month.' },
      { from: 'agent', say: 'I can see two charges of $12.00 on the 3rd. I am sorry for the trouble.' },
      { learn: { intent: 'refund', amount: 12 } },
      { from: 'user', say: 'I want the duplicate refunded today, please.' },
      { from: 'agent', say: 'Refunds over $10 need a colleague to approve them. Connecting you now.' },
      { event: 'agent_handoff', data: { from: 'support-bot', to: 'human', queue: 'billing' } },
      { from: 'agent', say: 'Hi, this is Dana from billing. I have issued the refund; it takes 3–5 days.' },
      { from: 'user', say: 'Perfect, thanks Dana.' },
    ],
    end: { status: 'completed', reason: 'handoff_resolved' },
  },
  {
    title: 'Phone call, caller hangs up',
    channel: 'phone',
    type: 'voice',
    client: 'sip-gateway/eu-1',
    delayMs: 2500,
    metadata: { callerId: '+44 20 7946 0958', plan: 'pro', region: 'eu' },
    steps: [
      { from: 'agent', say: 'Thanks for calling Acme support. How can I help?' },
      { from: 'user', say: 'Yes hello, I need to change the address on my account.' },
      { from: 'agent', say: 'Sure. For security, can you confirm the postcode on the account?' },
      { from: 'user', say: 'Hold on, let me find it…' },
      { event: 'silence_detected', data: { seconds: 12 } },
    ],
    end: { status: 'cancelled', reason: 'user_hangup' },
  },
  {
    title: 'Telegram, the bot fails',
    channel: 'telegram',
    type: 'chat',
    client: 'telegram-bot-api',
    delayMs: 3500,
    metadata: { userId: 'u_5521', plan: 'team' },
    steps: [
      { from: 'user', say: 'Can you export all my invoices from 2025 as a PDF?' },
      { from: 'agent', say: 'Let me gather your invoices from 2025.' },
      { event: 'tool_call', data: { tool: 'invoices.export', year: 2025 } },
      { event: 'error', data: { code: 'UPSTREAM_TIMEOUT', service: 'billing-api', ms: 30000 } },
      { from: 'agent', say: 'Sorry, something went wrong on our side. Please try again in a few minutes.' },
    ],
    end: { status: 'failed', reason: 'agent_error' },
  },
];
