import { useCallback, useState } from 'react';

function read<T>(key: string, parse: (raw: string) => T | undefined, initial: T): T {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return initial;
    return parse(raw) ?? initial;
  } catch {
    return initial;
  }
}

function write(key: string, raw: string): void {
  try {
    localStorage.setItem(key, raw);
  } catch {
    /* private mode: keep it in memory only */
  }
}

export function useLocalStorageBoolean(key: string, initial: boolean): [boolean, (v: boolean) => void] {
  const [value, setValue] = useState<boolean>(() => read(key, (raw) => raw === 'true', initial));
  const set = useCallback(
    (v: boolean) => {
      setValue(v);
      write(key, String(v));
    },
    [key],
  );
  return [value, set];
}

/**
 * A list of known values kept in localStorage as JSON. What is read back is checked against
 * `allowed` (an older build may have stored a value this one no longer knows), so a stale or
 * hand-edited entry degrades to the values still valid instead of breaking the page.
 */
export function useLocalStorageList<T extends string>(
  key: string,
  allowed: readonly T[],
  initial: T[],
): [T[], (v: T[]) => void] {
  const [value, setValue] = useState<T[]>(() =>
    read(
      key,
      (raw) => {
        const parsed: unknown = JSON.parse(raw);
        if (!Array.isArray(parsed)) return undefined;
        return allowed.filter((a) => parsed.includes(a));
      },
      initial,
    ),
  );
  const set = useCallback(
    (v: T[]) => {
      setValue(v);
      write(key, JSON.stringify(v));
    },
    [key],
  );
  return [value, set];
}
