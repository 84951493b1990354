import type { Channel } from '@switchboard/contracts';
import { type LucideIcon, MessageCircle, Phone, Video } from 'lucide-react';
import { CHANNEL_LABELS } from '../lib/vocab';
import { cx } from './ui';

/** Colours and icons exactly as the brief's "Channel Badge Colors". Class names are literal for Tailwind. */
const STYLES: Record<Channel, { className: string; icon: LucideIcon }> = {
  phone: { className: 'border-violet-200 bg-violet-50 text-violet-700', icon: Phone },
  web: { className: 'border-blue-200 bg-blue-50 text-blue-700', icon: Video },
  telegram: { className: 'border-sky-200 bg-sky-50 text-sky-700', icon: MessageCircle },
  whatsapp: { className: 'border-emerald-200 bg-emerald-50 text-emerald-700', icon: MessageCircle },
  mobile_sdk: { className: 'border-fuchsia-200 bg-fuchsia-50 text-fuchsia-700', icon: Video },
  sip: { className: 'border-amber-200 bg-amber-50 text-amber-700', icon: Phone },
};

export function ChannelBadge({ channel }: { channel: Channel }) {
  const style = STYLES[channel] ?? { className: 'border-slate-200 bg-slate-50 text-slate-700', icon: MessageCircle };
  const Icon = style.icon;
  return (
    <span
      data-channel={channel}
      className={cx(
        'inline-flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs font-medium whitespace-nowrap',
        style.className,
      )}
    >
      <Icon className="size-3.5" aria-hidden="true" />
      {CHANNEL_LABELS[channel] ?? channel}
    </span>
  );
}
