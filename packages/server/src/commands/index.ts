/** Commands that work against a running server through @switchboard/client (see cli.ts). */
import { runExport } from './export.js';
import { runSessions } from './sessions.js';
import { runTail } from './tail.js';

export const commands: Record<'export' | 'sessions' | 'tail', (argv: string[]) => Promise<number>> = {
  export: runExport,
  sessions: runSessions,
  tail: runTail,
};
