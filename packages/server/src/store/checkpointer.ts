/**
 * SQLite's checkpoints, off the thread that serves requests.
 *
 * In WAL mode a commit appends to the -wal file and waits for its fsync; a checkpoint copies the
 * committed pages back into the database file and waits for that file's fsync. By default the
 * writing connection runs the checkpoint itself, inside the commit that takes the log past 1,000
 * pages, and better-sqlite3 is synchronous: every request waits while it runs. Measured on a
 * batch of 250 short sessions, the commit took 11–13 ms on average with those checkpoints and
 * 7.5 ms without (docs/PERFORMANCE.md).
 *
 * So a worker thread holds a connection of its own and runs PASSIVE checkpoints, which never
 * wait on the writer nor stop it: again at once while there is work, every `IDLE_MS` when the
 * log is caught up. The main connection keeps a checkpoint of its own for when the log grows
 * past `SAFETY_PAGES` anyway (the worker could not keep up, or is gone): SQLite starts the log
 * over only after a checkpoint has copied all of it, and a checkpoint running beside steady
 * writes can always be a commit behind. That one then copies only what the worker has not.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The main connection's own checkpoint threshold, in pages of the log (4 KiB each: 16 MiB). */
export const SAFETY_PAGES = 4000;
const IDLE_MS = 200;
const BUSY_MS = 10;

/** The worker's code: CommonJS, given as text so it survives the server's bundling. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('synchronous = FULL');
let timer;
function round() {
  let wait = ${IDLE_MS};
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    // busy: another connection held the checkpoint; log > checkpointed: frames left to copy.
    if (r.busy || r.checkpointed < r.log) wait = ${BUSY_MS};
  } catch {
    // A locked or briefly unavailable file: the next round tries again.
  }
  timer = setTimeout(round, wait);
}
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
round();
`;

export interface Checkpointer {
  close(): Promise<void>;
}

/** Starts checkpointing `file` (a SQLite database in WAL mode) on a worker thread. */
export function startCheckpointer(file: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver } });
  // Never what keeps the process alive: the main connection checkpoints on its own if it must.
  worker.unref();
  // A worker that fails (its file removed under it, say) leaves the main connection's own
  // checkpoint to do the work; it never takes the server down.
  worker.on('error', () => {});
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    close: async () => {
      // Held until it has closed its connection, or the process could end with the wait pending.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
