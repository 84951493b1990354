/**
 * A call's recording in the session detail: the player, who spoke when on a strip under it
 * (click a turn to hear it), and, when it cannot play, why — the host is not allowed, the file
 * could not be fetched, or the browser cannot play its format — instead of a silent 0:00.
 *
 * The URL is whatever the integration sent; it is loaded only from hosts the operator allows
 * (SWITCHBOARD_RECORDING_HOSTS, which the page's CSP `media-src` enforces as well), so a link in a
 * transcript cannot learn who opened it, and when.
 */
import { type Message, recordingAllowed } from '@switchboard/contracts';
import { AlertTriangle, Mic } from 'lucide-react';
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import { useMeQuery } from '../api/queries';
import { clock } from '../lib/format';
import { Card, CopyButton, cx } from './ui';

export interface RecordingHandle {
  /** Plays from `seconds` after the session's start (the recording is taken to start with it). */
  seek: (seconds: number) => void;
}

type Failure = 'host' | 'network' | 'format';

/**
 * Why a media element gave up. Chrome reports a missing file, a refused connection and a file
 * that is not audio alike, as MEDIA_ERR_SRC_NOT_SUPPORTED (4) with or without a message: all of
 * them are the link's fault. A format the browser cannot play at all is known before loading
 * (`unplayableFormat`); one it fails to decode is code 3.
 */
export function mediaFailure(error: { code: number } | null): Failure {
  return error?.code === 3 ? 'format' : 'network';
}

const TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg; codecs=opus',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
  weba: 'audio/webm',
  webm: 'video/webm',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  wma: 'audio/x-ms-wma',
  wmv: 'video/x-ms-wmv',
  amr: 'audio/amr',
  gsm: 'audio/x-gsm',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
};

/** The URL's file type, when its extension names one this browser says it cannot play. */
export function unplayableFormat(url: string, probe: HTMLMediaElement): string | null {
  const ext = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  const type = ext ? TYPES[ext] : undefined;
  return type && probe.canPlayType(type) === '' ? (ext ?? null) : null;
}

const REASONS: Record<Exclude<Failure, 'host'>, string> = {
  network:
    'The recording could not be loaded from its server: it did not answer, or answered with an error or with something that is not a recording (a missing, expired or forbidden link).',
  format: 'This browser cannot play the recording’s format. Download it and play it with another player.',
};

interface Segment {
  sender: Message['sender'];
  start: number;
  end: number;
}

/** Turns on the recording's clock: each message from its offset to the next one's (or the end). */
export function speakerSegments(messages: Message[], sessionStart: number, total: number): Segment[] {
  const points = messages
    .map((m) => ({ sender: m.sender, at: (Date.parse(m.timestamp) - sessionStart) / 1000 }))
    .filter((p) => Number.isFinite(p.at) && p.at >= 0 && p.at < total)
    .sort((a, b) => a.at - b.at);
  return points.map((p, i) => ({
    sender: p.sender,
    start: p.at,
    end: i + 1 < points.length ? points[i + 1].at : total,
  }));
}

export const RecordingPlayer = forwardRef<
  RecordingHandle,
  { url: string; video: boolean; startedAt: string; durationSeconds: number | null; messages: Message[] }
>(function RecordingPlayer({ url, video, startedAt, durationSeconds, messages }, ref) {
  const me = useMeQuery();
  const hosts = me.data?.recordingHosts ?? [];
  const playable = recordingAllowed(url, hosts, window.location.protocol);
  const media = useRef<HTMLMediaElement | null>(null);
  const [loadFailure, setLoadFailure] = useState<Failure | null>(null);
  const [errorText, setErrorText] = useState('');
  const [mediaDuration, setMediaDuration] = useState<number | null>(null);
  const [position, setPosition] = useState(0);
  // A type this browser cannot play at all is known before anything is fetched.
  const unplayable = useMemo(
    () => unplayableFormat(url, document.createElement(video ? 'video' : 'audio')),
    [url, video],
  );
  // A new URL is a new chance.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on a new URL, by design
  useEffect(() => {
    setLoadFailure(null);
    setErrorText('');
    setMediaDuration(null);
  }, [url]);
  const failure: Failure | null = unplayable ? 'format' : loadFailure;

  useImperativeHandle(
    ref,
    () => ({
      seek(seconds: number) {
        const el = media.current;
        if (!el || failure) return;
        el.currentTime = Math.max(0, seconds);
        void el.play().catch(() => {
          /* autoplay refused: the position is still set */
        });
        el.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
      },
    }),
    [failure],
  );

  const start = Date.parse(startedAt);
  const lastAt = messages.reduce((m, x) => Math.max(m, (Date.parse(x.timestamp) - start) / 1000), 0);
  const total =
    mediaDuration && Number.isFinite(mediaDuration) ? mediaDuration : Math.max(durationSeconds ?? 0, lastAt + 5);
  const segments = useMemo(() => speakerSegments(messages, start, total), [messages, start, total]);
  const host = new URL(url).host;

  const mediaProps = {
    ref: (el: HTMLMediaElement | null) => {
      media.current = el;
    },
    controls: true,
    preload: 'metadata' as const,
    // A type this browser cannot play is not fetched at all.
    src: unplayable ? undefined : url,
    'aria-label': 'Session recording',
    onError: (e: React.SyntheticEvent<HTMLMediaElement>) => {
      const err = e.currentTarget.error;
      setErrorText(err ? `${err.code} ${err.message}` : '');
      // Removing the source (a type it cannot play) is not a failure of the recording.
      if (!e.currentTarget.getAttribute('src')) return;
      setLoadFailure(mediaFailure(err));
    },
    onLoadedMetadata: (e: React.SyntheticEvent<HTMLMediaElement>) => setMediaDuration(e.currentTarget.duration),
    onTimeUpdate: (e: React.SyntheticEvent<HTMLMediaElement>) => setPosition(e.currentTarget.currentTime),
  };

  return (
    <Card className="p-5" data-testid="recording">
      <h2 className="mb-3 flex items-center gap-2 text-sm font-semibold text-slate-900">
        <Mic className="size-4 text-slate-400" aria-hidden="true" />
        Recording
      </h2>
      {!playable ? (
        <div data-testid="recording-unavailable" data-reason="host">
          <Unavailable />
          <div data-testid="recording-not-loaded">
            <p className="mt-1 text-sm text-slate-600">
              Not loaded: the dashboard plays recordings only from hosts the operator allows, so a link in a transcript
              cannot learn who opened it. To play recordings from {host}, add it to{' '}
              <code className="font-mono text-slate-700">SWITCHBOARD_RECORDING_HOSTS</code>
              {hosts.length ? ` (now ${hosts.join(', ')})` : ''} and restart the server.
            </p>
            <RecordingUrl url={url} />
          </div>
        </div>
      ) : (
        <>
          {failure && (
            <div
              data-testid="recording-unavailable"
              data-reason={failure}
              data-media-error={unplayable ? `.${unplayable}` : errorText}
            >
              <Unavailable />
              <p className="mt-1 text-sm text-slate-600" role="alert">
                {REASONS[failure as Exclude<Failure, 'host'>]}
              </p>
              <RecordingUrl url={url} />
              {failure === 'network' && (
                <button
                  type="button"
                  onClick={() => {
                    setLoadFailure(null);
                    media.current?.load();
                  }}
                  className="mt-2 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
                >
                  Try again
                </button>
              )}
            </div>
          )}
          {/* Kept (hidden) after a failure, so "Try again" reloads the same element. */}
          {video ? (
            <video {...mediaProps} hidden={Boolean(failure)} className="w-full rounded-lg bg-black">
              <track kind="captions" />
            </video>
          ) : (
            <audio {...mediaProps} hidden={Boolean(failure)} className="w-full">
              <track kind="captions" />
            </audio>
          )}
          {!failure && segments.length > 0 && (
            <SpeakerStrip
              segments={segments}
              total={total}
              position={position}
              onSeek={(s) => {
                const el = media.current;
                if (!el) return;
                el.currentTime = s;
                void el.play().catch(() => {});
              }}
            />
          )}
        </>
      )}
    </Card>
  );
});

function Unavailable() {
  return (
    <p className="flex items-center gap-2 text-sm font-medium text-amber-800">
      <AlertTriangle className="size-4 shrink-0 text-amber-500" aria-hidden="true" />
      Recording unavailable
    </p>
  );
}

function RecordingUrl({ url }: { url: string }) {
  return (
    <p className="mt-2 flex items-center gap-1 font-mono text-xs text-slate-500">
      <span className="min-w-0 break-all">{url}</span>
      <CopyButton value={url} label="Copy recording URL" />
    </p>
  );
}

/** Who spoke when: agent and caller turns on the recording's length; a click plays that turn. */
function SpeakerStrip({
  segments,
  total,
  position,
  onSeek,
}: {
  segments: Segment[];
  total: number;
  position: number;
  onSeek: (seconds: number) => void;
}) {
  const pct = (s: number) => `${Math.min(100, Math.max(0, (s / total) * 100))}%`;
  return (
    <div className="mt-3">
      {/* biome-ignore lint/a11y/useSemanticElements: a strip of buttons, not a form's fieldset */}
      <div
        className="relative h-6 overflow-hidden rounded-md bg-slate-100"
        role="group"
        aria-label="Speaker turns"
        data-testid="speaker-strip"
      >
        {segments.map((s) => (
          <button
            key={`${s.start}-${s.sender}`}
            type="button"
            data-sender={s.sender}
            onClick={() => onSeek(s.start)}
            title={`${s.sender === 'agent' ? 'Agent' : 'Caller'} at ${clock(s.start)}`}
            aria-label={`Play from ${clock(s.start)}, ${s.sender === 'agent' ? 'agent' : 'caller'}`}
            style={{ left: pct(s.start), width: pct(s.end - s.start) }}
            className={cx(
              'absolute inset-y-1 min-w-[3px] rounded-sm border-x border-white/60 hover:brightness-110 focus-visible:outline-2 focus-visible:outline-indigo-600',
              s.sender === 'agent' ? 'bg-indigo-500' : 'bg-slate-400',
            )}
          />
        ))}
        <span
          className="pointer-events-none absolute inset-y-0 w-0.5 bg-slate-900"
          style={{ left: pct(position) }}
          aria-hidden="true"
        />
      </div>
      <div className="mt-1.5 flex items-center justify-between text-xs text-slate-500">
        <span className="flex items-center gap-3">
          <span className="flex items-center gap-1">
            <span className="size-2.5 rounded-sm bg-indigo-500" aria-hidden="true" />
            Agent
          </span>
          <span className="flex items-center gap-1">
            <span className="size-2.5 rounded-sm bg-slate-400" aria-hidden="true" />
            Caller
          </span>
        </span>
        <span className="tabular-nums">
          {clock(position)} / {clock(total)}
        </span>
      </div>
    </div>
  );
}
