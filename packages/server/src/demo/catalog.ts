/**
 * The cast of the demo: agents a real deployment might run, where each is reachable, and what
 * people talk to them about. Kept as plain data so the generator and the live simulator tell the
 * same stories, and so a reader can tweak the demo without touching the generation code.
 *
 * `{placeholders}` are filled per session (see conversation.ts), so thousands of sessions drawn
 * from a few scripts still differ in names, amounts and dates the way real transcripts do.
 */
import type { Channel, SessionType } from '@switchboard/contracts';

export interface Route {
  channel: Channel;
  type: SessionType;
  weight: number;
}

/** User line, agent line: one exchange. */
export type Turn = readonly [string, string];

export interface Scenario {
  topic: string;
  turns: readonly Turn[];
}

export interface AgentProfile {
  id: string;
  name: string;
  /** Share of all traffic, relative to the other agents. */
  weight: number;
  routes: readonly Route[];
  /** What the agent says first on a call (voice and video open with the agent speaking). */
  greeting: string;
  scenarios: readonly Scenario[];
  /** Busiest at night and at weekends, unlike everyone else. */
  afterHours?: boolean;
  /** Extra metadata keys this kind of agent records. */
  extra?: (fill: (s: string) => string) => Record<string, string>;
  /** The model behind it (a key of MODELS): what its answers cost. */
  model: keyof typeof MODELS;
  /** Tokens of system prompt and tools sent with every call. */
  promptTokens: number;
  /** Median response time when it is not the usual (ms): the slow one of the cast. */
  medianLatencyMs?: number;
}

/**
 * List prices in US dollars per million tokens (input, output), as providers published them
 * in 2025. One agent runs on a large model, so its cost per session stands out.
 */
export const MODELS = {
  'gpt-4o-mini': [0.15, 0.6],
  'gpt-4.1-mini': [0.4, 1.6],
  'gpt-4.1': [2, 8],
  'claude-3-5-haiku': [0.8, 4],
  'claude-opus-4': [15, 75],
  'gemini-2.0-flash': [0.1, 0.4],
} as const satisfies Record<string, readonly [number, number]>;

export const AGENTS: readonly AgentProfile[] = [
  {
    id: 'support-bot',
    model: 'gpt-4o-mini',
    promptTokens: 900,
    name: 'Support Bot',
    weight: 22,
    routes: [
      { channel: 'web', type: 'chat', weight: 50 },
      { channel: 'mobile_sdk', type: 'chat', weight: 20 },
      { channel: 'whatsapp', type: 'chat', weight: 18 },
      { channel: 'telegram', type: 'chat', weight: 12 },
    ],
    greeting: 'Hi, this is Acme support. How can I help you today?',
    scenarios: [
      {
        topic: 'password_reset',
        turns: [
          [
            "Hi, I can't log in to my account. It says my password is wrong.",
            'Sorry about that, {first}. I can send a password reset link to the email on your account, {email}. Shall I?',
          ],
          [
            'Yes please.',
            "Done — the link is on its way and stays valid for 30 minutes. Let me know once you've set a new password.",
          ],
          [
            'Got it, I reset it and I am in now.',
            'Great! For extra safety you can turn on two-factor authentication under Settings → Security.',
          ],
        ],
      },
      {
        topic: 'refund',
        turns: [
          [
            'I was charged twice for order {order}.',
            "I'm sorry to hear that. Let me check order {order}… I can see two charges of {amount}; the second one is a duplicate authorization.",
          ],
          [
            'Can you refund the duplicate?',
            "Yes. I've issued a refund of {amount} to your card ending in {last4}. It usually shows up within 3–5 business days.",
          ],
          [
            'Will I get a confirmation?',
            "You'll receive a refund confirmation email shortly, with reference {ticket}.",
          ],
        ],
      },
      {
        topic: 'shipping_delay',
        turns: [
          [
            'Where is my package? Order {order} was supposed to arrive {date}.',
            'Let me look that up. Order {order} left our warehouse and is with the carrier; it was delayed by weather in {city}.',
          ],
          [
            'So when will it arrive?',
            'The carrier now estimates delivery by {date}. I can send you tracking updates by SMS if you like.',
          ],
          [
            'Yes, text me the updates.',
            "Done. You'll get a text at each step, and I've added a note to your order in case it slips again.",
          ],
        ],
      },
      {
        topic: 'account_update',
        turns: [
          [
            'How do I change the email address on my account?',
            'You can change it under Profile → Account details. Would you like me to walk you through it?',
          ],
          [
            "I don't see that option in the app.",
            'In the mobile app it is under the ☰ menu → Profile. If you are on version 4.2 or older, updating the app will show it.',
          ],
          ['Found it, thanks.', 'Perfect. A confirmation link will go to your new address to verify it.'],
        ],
      },
    ],
    extra: (fill) => ({ ticketId: fill('{ticket}') }),
  },
  {
    id: 'billing-assistant',
    model: 'gpt-4.1-mini',
    promptTokens: 1400,
    name: 'Billing Assistant',
    weight: 12,
    routes: [
      { channel: 'web', type: 'chat', weight: 55 },
      { channel: 'mobile_sdk', type: 'chat', weight: 25 },
      { channel: 'whatsapp', type: 'chat', weight: 20 },
    ],
    greeting: 'Hello, you are speaking with the billing assistant.',
    scenarios: [
      {
        topic: 'invoice_question',
        turns: [
          [
            'Why is my invoice higher this month?',
            'Your invoice {invoice} is {amount}. It includes a prorated charge because you upgraded to the {plan} plan on {date}.',
          ],
          [
            "I didn't realise upgrading would charge me right away.",
            'Upgrades take effect immediately and are prorated for the rest of the cycle. From next month you will pay the regular {plan} price.',
          ],
          [
            'OK, that makes sense.',
            'Glad that helps. You can download every invoice as a PDF under Billing → Invoices.',
          ],
        ],
      },
      {
        topic: 'update_card',
        turns: [
          [
            'My card expired, how do I update it?',
            'I can send you a secure link to update your payment method — for security I never take card numbers in chat.',
          ],
          [
            'Send the link.',
            'Sent to {email}. Once you add the new card, I will retry the open invoice {invoice} automatically.',
          ],
          [
            "Done, I've added it.",
            'Thank you! The payment of {amount} went through and your account is in good standing.',
          ],
        ],
      },
      {
        topic: 'cancel_subscription',
        turns: [
          [
            'I want to cancel my subscription.',
            "I'm sorry to see you go, {first}. May I ask why? If it's the price, I can offer 30% off the {plan} plan for three months.",
          ],
          [
            "It's mostly the price. 30% off sounds fair.",
            'Great — I have applied the discount. Your next three invoices will be reduced automatically.',
          ],
          [
            'Thanks for keeping it simple.',
            "You're welcome. You can cancel any time under Billing → Subscription if you change your mind.",
          ],
        ],
      },
    ],
    extra: (fill) => ({ invoiceId: fill('{invoice}') }),
  },
  {
    id: 'appointment-scheduler',
    model: 'gemini-2.0-flash',
    promptTokens: 700,
    name: 'Appointment Scheduler',
    weight: 11,
    routes: [
      { channel: 'phone', type: 'voice', weight: 45 },
      { channel: 'web', type: 'chat', weight: 25 },
      { channel: 'whatsapp', type: 'chat', weight: 20 },
      { channel: 'sip', type: 'voice', weight: 10 },
    ],
    greeting: 'Thank you for calling Riverside Clinic, this is the scheduling assistant. How can I help?',
    scenarios: [
      {
        topic: 'book_appointment',
        turns: [
          [
            "I'd like to book an appointment with {doctor}.",
            '{doctor} has openings on {date} at {time}, or the following morning at 9:15. Which works better for you?',
          ],
          [
            '{date} at {time} works.',
            'Booked. Could you confirm your date of birth so I can attach the visit to your record?',
          ],
          [
            "It's the 14th of March, 1986.",
            "Thank you, {first}. You'll get a confirmation by text with the address and a link to reschedule.",
          ],
        ],
      },
      {
        topic: 'reschedule',
        turns: [
          [
            'I need to move my appointment on {date}.',
            'No problem. I see your visit with {doctor} on {date} at {time}. When would you like to come instead?',
          ],
          ['Anything later that week, in the afternoon?', 'I have Thursday at 3:40 pm or Friday at 4:20 pm.'],
          ['Friday, please.', "Done — you're now booked for Friday at 4:20 pm. The old slot has been released."],
        ],
      },
      {
        topic: 'cancel_appointment',
        turns: [
          [
            'I have to cancel my appointment tomorrow.',
            'I can do that. Just so you know, cancellations under 24 hours may carry a $25 fee. Do you still want to cancel?',
          ],
          [
            "Yes, I'm sick, I can't come.",
            "Sorry to hear that — I've waived the fee because you're unwell. Your appointment is cancelled. Feel better soon, {first}.",
          ],
        ],
      },
    ],
    extra: (fill) => ({ location: fill('{clinic}') }),
  },
  {
    id: 'sales-concierge',
    // The costly one: a large model for high-value leads, by far the highest cost per session.
    model: 'claude-opus-4',
    promptTokens: 2600,
    name: 'Sales Concierge',
    weight: 9,
    routes: [
      { channel: 'web', type: 'chat', weight: 60 },
      { channel: 'web', type: 'video', weight: 15 },
      { channel: 'telegram', type: 'chat', weight: 10 },
      { channel: 'whatsapp', type: 'chat', weight: 15 },
    ],
    greeting: "Hi there! I'm the Acme sales concierge — happy to answer questions about plans and pricing.",
    scenarios: [
      {
        topic: 'pricing',
        turns: [
          [
            "What's the difference between Pro and Enterprise?",
            'Pro covers up to 25 seats with standard support. Enterprise adds SSO, audit logs, a 99.9% SLA and a dedicated success manager.',
          ],
          [
            'We are about 40 people. What would that cost?',
            'For 40 seats Enterprise starts at {amount} per month billed annually. I can set up a call with our team for an exact quote.',
          ],
          [
            'Yes, set up a call.',
            'Great, I have sent a calendar link to {email}. Our account executive will bring a tailored proposal.',
          ],
        ],
      },
      {
        topic: 'trial',
        turns: [
          [
            'Is there a free trial?',
            'Yes — 14 days of the Pro plan, no credit card needed. Shall I start one for {email}?',
          ],
          [
            'Sure, go ahead.',
            'Your trial is active! I recommend starting with the onboarding checklist in the dashboard.',
          ],
          [
            'Can I import my data from my current tool?',
            'Yes, we have importers for CSV and the three most common tools; the checklist links to them.',
          ],
        ],
      },
      {
        topic: 'demo_request',
        turns: [
          ['Can someone show me a demo?', 'Of course. Would a 30-minute live demo on {date} at {time} work for you?'],
          ['That works.', "Booked! You'll get an invite with a video link. Anything specific you'd like us to cover?"],
          [
            'Mostly reporting and integrations.',
            "Noted — I've passed that on so the demo focuses on reporting and integrations.",
          ],
        ],
      },
    ],
    extra: (fill) => ({ leadSource: fill('{leadSource}') }),
  },
  {
    id: 'front-desk-receptionist',
    model: 'gemini-2.0-flash',
    promptTokens: 600,
    name: 'Front Desk Receptionist',
    weight: 9,
    // The public number: callers ring it and are put through, so phone hands over most.
    routes: [{ channel: 'phone', type: 'voice', weight: 100 }],
    greeting: 'Good day, Harbor & Finch, this is the front desk. Who would you like to reach?',
    scenarios: [
      {
        topic: 'transfer_call',
        turns: [
          ["Hi, I'd like to speak to someone in accounts.", "Of course. May I have your name and what it's regarding?"],
          [
            "It's {first} {last}, about invoice {invoice}.",
            'Thank you, {first}. Accounts is available — I am connecting you now, please hold.',
          ],
        ],
      },
      {
        topic: 'opening_hours',
        turns: [
          [
            'What are your opening hours on Saturday?',
            'On Saturdays we are open from 9 am to 1 pm. Is there anything else I can help with?',
          ],
          [
            'Do I need an appointment?',
            'Walk-ins are welcome, but booking ahead guarantees you will be seen within ten minutes.',
          ],
        ],
      },
      {
        topic: 'leave_message',
        turns: [
          [
            'Can I leave a message for {doctor}?',
            'Certainly. {doctor} is in a meeting until {time}. What message should I pass on?',
          ],
          [
            'Please ask them to call me back about the contract.',
            "I've noted it, with your number ending in {last4}. They'll get it as soon as the meeting ends.",
          ],
        ],
      },
    ],
  },
  {
    id: 'after-hours-line',
    model: 'gpt-4o-mini',
    promptTokens: 650,
    name: 'After-Hours Line',
    weight: 5,
    afterHours: true,
    routes: [
      { channel: 'phone', type: 'voice', weight: 80 },
      { channel: 'sip', type: 'voice', weight: 20 },
    ],
    greeting: "You've reached the after-hours line. Our office is closed, but I can help with urgent matters.",
    scenarios: [
      {
        topic: 'urgent_issue',
        turns: [
          [
            'My heating stopped working and it is freezing.',
            "I'm sorry, that sounds urgent. Is anyone at home vulnerable — small children or elderly people?",
          ],
          [
            'Yes, my mother is staying with us.',
            'I am dispatching the on-call technician now; they should call you within 20 minutes to confirm arrival time.',
          ],
          [
            'Thank you so much.',
            'Stay warm, {first}. If the technician has not called within 30 minutes, please call back.',
          ],
        ],
      },
      {
        topic: 'callback_request',
        turns: [
          ['I just need someone to call me back tomorrow.', "Of course. What's the best time to reach you?"],
          [
            'Any time after 10.',
            "I've scheduled a callback for tomorrow after 10 am to your number ending in {last4}.",
          ],
        ],
      },
    ],
  },
  {
    id: 'order-tracker',
    model: 'gpt-4o-mini',
    promptTokens: 800,
    name: 'Order Tracker',
    weight: 10,
    routes: [
      { channel: 'whatsapp', type: 'chat', weight: 40 },
      { channel: 'telegram', type: 'chat', weight: 20 },
      { channel: 'web', type: 'chat', weight: 20 },
      { channel: 'mobile_sdk', type: 'chat', weight: 20 },
    ],
    greeting: '👋 Hi! Send me your order number and I will tell you where it is.',
    scenarios: [
      {
        topic: 'track_order',
        turns: [
          ['{order}', 'Order {order} is out for delivery today 🚚 — expected between {time} and 6 pm.'],
          [
            'Can they leave it with a neighbour?',
            "Yes, I've added a delivery note: leave with neighbour if nobody answers.",
          ],
        ],
      },
      {
        topic: 'return_item',
        turns: [
          [
            'How do I return the shoes from order {order}?',
            'You have 30 days for returns. I can create a free return label — do you want a drop-off QR code or a pickup?',
          ],
          [
            'QR code please.',
            'Here is your return QR code: show it at any parcel shop. Refund of {amount} follows once we receive the item.',
          ],
        ],
      },
      {
        topic: 'missing_item',
        turns: [
          ['My order {order} arrived but one item is missing.', 'Sorry about that! Which item is missing?'],
          [
            'The {product}.',
            "It was shipped separately and arrives {date}. If it doesn't, reply here and I'll send a replacement right away.",
          ],
        ],
      },
    ],
    extra: (fill) => ({ orderId: fill('{order}') }),
  },
  {
    id: 'it-helpdesk',
    model: 'claude-3-5-haiku',
    promptTokens: 1800,
    name: 'IT Helpdesk',
    weight: 7,
    routes: [
      { channel: 'web', type: 'chat', weight: 55 },
      { channel: 'sip', type: 'voice', weight: 25 },
      { channel: 'web', type: 'video', weight: 20 },
    ],
    greeting: 'IT helpdesk here. What seems to be the problem?',
    scenarios: [
      {
        topic: 'vpn',
        turns: [
          [
            "The VPN won't connect since this morning.",
            'Which error do you see — "authentication failed" or "server unreachable"?',
          ],
          [
            'Authentication failed.',
            'Your VPN certificate expired yesterday. I have issued a new one; please restart the VPN client and sign in again.',
          ],
          ['It works now.', 'Great. I have closed ticket {ticket}. The new certificate is valid for 12 months.'],
        ],
      },
      {
        topic: 'laptop_slow',
        turns: [
          [
            'My laptop has been very slow all week.',
            'I can see your disk is 97% full, mostly in the Downloads folder. Can I clear the temporary files remotely?',
          ],
          ['Yes, go ahead.', 'Done — 38 GB freed. I also scheduled the pending OS update for tonight at 8 pm.'],
        ],
      },
      {
        topic: 'access_request',
        turns: [
          [
            'I need access to the finance shared drive.',
            'Access to finance needs approval from your manager. I have sent them a request under ticket {ticket}.',
          ],
          ['How long does that usually take?', 'Usually under a day. You will get an email as soon as it is approved.'],
        ],
      },
    ],
    extra: (fill) => ({ department: fill('{department}'), ticketId: fill('{ticket}') }),
  },
  {
    id: 'onboarding-guide',
    model: 'gpt-4.1-mini',
    promptTokens: 1100,
    name: 'Onboarding Guide',
    weight: 6,
    routes: [
      { channel: 'mobile_sdk', type: 'chat', weight: 55 },
      { channel: 'mobile_sdk', type: 'video', weight: 15 },
      { channel: 'web', type: 'chat', weight: 30 },
    ],
    greeting: 'Welcome aboard! I can help you set up your workspace in a few minutes.',
    scenarios: [
      {
        topic: 'invite_team',
        turns: [
          [
            'How do I invite my team?',
            'Go to Settings → Members and click "Invite". You can paste several emails at once.',
          ],
          [
            'Can I set their roles right away?',
            'Yes — choose Admin, Editor or Viewer before sending. You can change roles later too.',
          ],
        ],
      },
      {
        topic: 'connect_integration',
        turns: [
          [
            'I want to connect our calendar.',
            'Great choice. Open Integrations, pick your calendar provider and approve the permissions.',
          ],
          [
            'It says permission denied.',
            'Your organisation may restrict third-party apps. Ask your admin to allow "Acme Workspace" in the admin console.',
          ],
          [
            'OK, I will ask them.',
            'Perfect. Once allowed, the connection completes on its own — no need to start over.',
          ],
        ],
      },
    ],
  },
  {
    id: 'claims-intake',
    model: 'gpt-4.1',
    promptTokens: 3200,
    // Slow on purpose: each answer waits on a claims-system lookup (median 4.5 s, p95 about 7 s).
    medianLatencyMs: 4500,
    name: 'Claims Intake',
    weight: 4,
    routes: [
      { channel: 'phone', type: 'voice', weight: 50 },
      { channel: 'web', type: 'chat', weight: 30 },
      { channel: 'mobile_sdk', type: 'video', weight: 20 },
    ],
    greeting: 'Thank you for contacting Northwind Insurance claims. Is anyone hurt?',
    scenarios: [
      {
        topic: 'car_accident',
        turns: [
          [
            "No, nobody's hurt. Someone backed into my car in a parking lot.",
            "I'm glad you're OK. Do you have the other driver's details and photos of the damage?",
          ],
          [
            'Yes, I took photos and have their licence plate.',
            'Thank you. I have opened claim {claim}; please upload the photos with the link I just sent.',
          ],
          [
            'Uploaded.',
            'Received. An adjuster will contact you within two business days. Your deductible is {amount}.',
          ],
        ],
      },
      {
        topic: 'water_damage',
        turns: [
          ['A pipe burst in my kitchen last night.', 'I am sorry. Have you been able to stop the water supply?'],
          [
            'Yes, the plumber came this morning.',
            'Good. I have opened claim {claim}. Keep the plumber invoice; it is covered under your policy.',
          ],
        ],
      },
    ],
    extra: (fill) => ({ claimId: fill('{claim}'), policyType: fill('{policyType}') }),
  },
  {
    id: 'table-booking',
    model: 'gemini-2.0-flash',
    promptTokens: 500,
    name: 'Table Booking',
    weight: 3,
    routes: [
      { channel: 'phone', type: 'voice', weight: 60 },
      { channel: 'whatsapp', type: 'chat', weight: 40 },
    ],
    greeting: 'Ciao! Trattoria Lucia, how can I help?',
    scenarios: [
      {
        topic: 'reservation',
        turns: [
          [
            'A table for four on {date}, around {time}?',
            'We have a table for four at {time}, by the window. Can I have a name for the booking?',
          ],
          ['{last}.', 'Lovely, {last} party of four on {date} at {time}. We hold tables for 15 minutes.'],
        ],
      },
      {
        topic: 'dietary',
        turns: [
          [
            'Do you have gluten-free pasta?',
            'Yes, every pasta dish can be made gluten-free, and our kitchen keeps it separate.',
          ],
          [
            'Great, then book us for Saturday.',
            'Booked for Saturday at 7:30 pm. I have noted the gluten-free request.',
          ],
        ],
      },
    ],
  },
  {
    id: 'nurse-triage',
    model: 'claude-3-5-haiku',
    promptTokens: 2200,
    name: 'Nurse Triage Line',
    weight: 4,
    routes: [
      { channel: 'phone', type: 'voice', weight: 60 },
      { channel: 'mobile_sdk', type: 'video', weight: 25 },
      { channel: 'sip', type: 'voice', weight: 15 },
    ],
    greeting: 'Nurse triage line. If this is an emergency, please hang up and dial 911. What symptoms are you having?',
    scenarios: [
      {
        topic: 'fever',
        turns: [
          ['My son has had a fever of 39 degrees since yesterday.', 'How old is he, and is he drinking fluids?'],
          [
            "He's six and drinking a little.",
            'Keep offering fluids; fever medicine by weight is fine. If the fever lasts past three days or he is very drowsy, see a doctor.',
          ],
          [
            'Should I book an appointment anyway?',
            'It would be sensible. I can book a paediatric visit with {doctor} on {date} at {time}.',
          ],
        ],
      },
      {
        topic: 'medication_question',
        turns: [
          [
            'Can I take ibuprofen with my blood pressure pills?',
            'Ibuprofen can raise blood pressure and reduce how well some of those pills work. Which medication do you take?',
          ],
          [
            'Lisinopril.',
            'Paracetamol is usually the safer choice with lisinopril. Please confirm with your pharmacist or {doctor}.',
          ],
        ],
      },
    ],
  },
];

/** Exchanges that fit any agent: what makes a 20-message conversation longer than a 6-message one. */
export const FOLLOW_UPS: readonly Turn[] = [
  [
    'Sorry, could you repeat that?',
    'Of course — in short: everything is set up, and you will get a confirmation by email.',
  ],
  ['Can I get that in writing?', 'Yes, I have emailed a summary of this conversation to {email}.'],
  ['Will this affect my other orders?', 'No, only the item we discussed is affected.'],
  ['How long will that take?', 'Usually less than two business days.'],
  ['Is there a reference number?', 'Your reference is {ticket}.'],
  ['Hold on a second, let me check something.', 'Take your time, I am here.'],
  ['Okay, I am back.', 'Welcome back! Shall we continue?'],
  ['Can you also update my phone number?', 'Sure — what is the new number?'],
  ['It ends in {last4}.', 'Thanks, the number ending in {last4} is saved.'],
  ['Is there anything else I should know?', 'Just that you can reach us here any time, 24/7.'],
  [
    'What if it happens again?',
    'Reply to this conversation and mention {ticket}; we will pick up right where we left off.',
  ],
  ['Do I need to do anything else?', 'Nothing else is needed on your side.'],
];

export const CLOSINGS: readonly Turn[] = [
  ["Thanks, that's all I needed.", 'You are welcome, {first}! Have a great day.'],
  ['Perfect, thank you!', 'Happy to help. Take care!'],
  ["Great, that's everything.", 'Glad I could help, {first}. Goodbye!'],
  ['Thanks for your help.', 'Any time. Have a nice evening!'],
];

/** Pools the placeholders draw from. */
export const FILL = {
  first: [
    'Emma',
    'Liam',
    'Olivia',
    'Noah',
    'Ava',
    'Mateo',
    'Sofia',
    'Lucas',
    'Mia',
    'Ethan',
    'Amara',
    'Yuki',
    'Priya',
    'Jonas',
    'Chloé',
    'Omar',
    'Hannah',
    'Diego',
    'Aisha',
    'Leo',
  ],
  last: [
    'Johnson',
    'García',
    'Müller',
    'Nguyen',
    'Okafor',
    'Rossi',
    'Kowalski',
    'Tanaka',
    'Smith',
    'Patel',
    'Dubois',
    'Silva',
    'Andersen',
    'Cohen',
  ],
  doctor: ['Dr. Patel', 'Dr. Okafor', 'Dr. Lindqvist', 'Dr. Moreau', 'Dr. Chen', 'Dr. Alvarez'],
  city: ['Chicago', 'Denver', 'Leeds', 'Hamburg', 'Lyon', 'Toronto', 'Austin', 'Dublin'],
  product: ['blue rain jacket', 'phone case', 'running socks', 'desk lamp', 'coffee grinder', 'yoga mat'],
  clinic: ['Riverside Downtown', 'Riverside North', 'Riverside Westgate'],
  department: ['Finance', 'Engineering', 'Sales', 'People', 'Operations', 'Legal'],
  leadSource: ['pricing_page', 'google_ads', 'linkedin', 'webinar', 'referral', 'newsletter'],
  policyType: ['auto', 'home', 'renters', 'travel'],
  time: ['9:30 am', '10:15 am', '11:00 am', '1:45 pm', '2:30 pm', '4:00 pm', '5:15 pm', '7:30 pm'],
  date: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'next Monday', 'the 12th', 'the 21st'],
} as const;

export const PLANS = ['free', 'starter', 'pro', 'pro', 'business', 'enterprise'] as const;

/** Locale and the region its users are served from, so the two agree within one session. */
export const LOCALES: readonly (readonly [string, string, number])[] = [
  ['en-US', 'us-east-1', 34],
  ['en-US', 'us-west-2', 14],
  ['en-GB', 'eu-west-2', 12],
  ['de-DE', 'eu-central-1', 9],
  ['fr-FR', 'eu-west-3', 7],
  ['es-MX', 'us-east-1', 6],
  ['pt-BR', 'sa-east-1', 6],
  ['en-IN', 'ap-south-1', 6],
  ['ja-JP', 'ap-northeast-1', 4],
  ['en-AU', 'ap-southeast-2', 2],
];

export const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;

/** Failure reasons, the error event each comes with, and how often each happens. */
export const FAILURES: readonly { reason: string; code: string; message: string; weight: number }[] = [
  { reason: 'agent_error', code: 'LLM_RESPONSE_INVALID', message: 'Model returned a malformed tool call', weight: 35 },
  { reason: 'timeout', code: 'UPSTREAM_TIMEOUT', message: 'No response from the model within 30 s', weight: 30 },
  { reason: 'tool_failure', code: 'TOOL_HTTP_502', message: 'Order API answered 502 Bad Gateway', weight: 15 },
  { reason: 'connection_lost', code: 'TRANSPORT_CLOSED', message: 'Media stream closed unexpectedly', weight: 15 },
  { reason: 'rate_limited', code: 'LLM_RATE_LIMITED', message: 'Provider rate limit exceeded (429)', weight: 5 },
];
