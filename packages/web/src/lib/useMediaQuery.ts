import { useCallback, useSyncExternalStore } from 'react';

/** Whether a media query matches, following it as it changes (a rotated phone, a system setting). */
export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const mq = window.matchMedia(query);
      mq.addEventListener('change', onChange);
      return () => mq.removeEventListener('change', onChange);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}

/** The width from which the dashboard has a sidebar and tables (Tailwind's `md`). */
export const WIDE = '(min-width: 768px)';
