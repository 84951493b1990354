/**
 * Browser notifications for failed sessions while the tab is hidden. The browser's permission
 * cannot be revoked from a page, so "off" is our own flag in localStorage next to it.
 */
import { useCallback, useState } from 'react';

const KEY = 'switchboard.desktopNotifications';

const notificationsSupported = () => typeof window !== 'undefined' && 'Notification' in window;

function flag(): boolean {
  try {
    return localStorage.getItem(KEY) === 'true';
  } catch {
    return false;
  }
}

function setFlag(on: boolean) {
  try {
    localStorage.setItem(KEY, String(on));
  } catch {
    /* private mode: the preference lasts for this page only */
  }
}

type DesktopState = 'unsupported' | 'denied' | 'off' | 'on';

function currentState(): DesktopState {
  if (!notificationsSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return Notification.permission === 'granted' && flag() ? 'on' : 'off';
}

export function useDesktopNotifications() {
  const [state, setState] = useState<DesktopState>(currentState);
  const enable = useCallback(async () => {
    if (!notificationsSupported()) return;
    // Must run inside the click handler: browsers only prompt in response to a user gesture.
    const result = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    setFlag(result === 'granted');
    setState(currentState());
  }, []);
  const disable = useCallback(() => {
    setFlag(false);
    setState(currentState());
  }, []);
  return { state, enable, disable };
}

/** Shows a notification only when the person cannot see the page (hidden tab) and opted in. */
export function notifyDesktop(title: string, body: string, tag: string, onClick: () => void): void {
  if (currentState() !== 'on' || document.visibilityState !== 'hidden') return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    /* Android Chrome allows notifications only from a service worker; the toast still shows. */
  }
}
