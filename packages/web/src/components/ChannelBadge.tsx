import type { Channel } from '@switchboard/contracts';
import { type LucideIcon, MessageCircle, Phone, Video } from 'lucide-react';
import { CHANNEL_LABELS } from '../lib/vocab';
import { Badge, type Tone } from './ui';

/** One colour and icon per channel (the chart colours in `vocab.ts` are the same hues). */
const STYLES: Record<Channel, { tone: Tone; icon: LucideIcon }> = {
  phone: { tone: 'violet', icon: Phone },
  web: { tone: 'blue', icon: Video },
  telegram: { tone: 'sky', icon: MessageCircle },
  whatsapp: { tone: 'emerald', icon: MessageCircle },
  mobile_sdk: { tone: 'fuchsia', icon: Video },
  sip: { tone: 'amber', icon: Phone },
};

export function ChannelBadge({ channel }: { channel: Channel }) {
  const style = STYLES[channel] ?? { tone: 'slate', icon: MessageCircle };
  return (
    <Badge data-channel={channel} tone={style.tone} icon={style.icon}>
      {CHANNEL_LABELS[channel] ?? channel}
    </Badge>
  );
}
