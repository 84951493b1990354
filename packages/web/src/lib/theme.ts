import { useCallback, useEffect, useState } from 'react';
import { useMediaQuery } from './useMediaQuery';

/** What a person picked: follow the operating system, or always light, or always dark. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

// The same key public/theme.js reads before the first paint.
const KEY = 'switchboard.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

/**
 * The theme choice, kept in this browser, and the `.dark` class on <html> that the stylesheet
 * keys on (src/index.css). With "system" the class follows the operating system live; another
 * tab's choice is picked up too.
 */
export function useTheme(): { choice: ThemeChoice; dark: boolean; setChoice: (c: ThemeChoice) => void } {
  const [choice, setChoiceState] = useState<ThemeChoice>(stored);
  const systemDark = useMediaQuery(DARK_QUERY);
  const dark = choice === 'dark' || (choice === 'system' && systemDark);

  useEffect(() => {
    document.documentElement.classList.toggle('dark', dark);
  }, [dark]);

  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === KEY) setChoiceState(stored());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const setChoice = useCallback((c: ThemeChoice) => {
    setChoiceState(c);
    try {
      if (c === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, c);
    } catch {
      /* private mode: this page only */
    }
  }, []);

  return { choice, dark, setChoice };
}
