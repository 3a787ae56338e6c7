import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Pages of WAL after which a commit checkpoints by itself, should the checkpointer thread be gone. */
export const FALLBACK_AUTOCHECKPOINT = 20_000;
const INTERVAL_MS = 200;

// The worker runs as CommonJS from this text: it opens its own connection to the same file and
// copies committed WAL frames into the database (PASSIVE: never waits for readers or writers).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = ' + workerData.synchronous);
const tick = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: next tick */ } };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); tick(); db.close(); process.exit(0); });
`;

/**
 * WAL checkpoints off the event loop. A checkpoint that runs inside a commit (SQLite's automatic
 * one) blocks the thread that committed on writing pages and on fsync; here a worker thread with
 * its own connection checkpoints every 200 ms, and the serving connection only checkpoints by
 * itself as a fallback, after FALLBACK_AUTOCHECKPOINT pages.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;

  constructor(path: string, synchronous: string, onError: (error: Error) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { path, driver, synchronous, intervalMs: INTERVAL_MS },
    });
    // Without the thread, the serving connection still checkpoints (FALLBACK_AUTOCHECKPOINT).
    this.worker.on('error', onError);
    this.worker.unref();
  }

  /**
   * Checkpoints once more and closes the worker's connection. The worker holds the process while it
   * stops: unreferenced, a process with nothing else left to do (a command-line run that failed at once)
   * would exit in the middle of the app's close, before its last checkpoint and its error message.
   */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
      setTimeout(() => void this.worker.terminate().then(() => resolve()), 2000).unref();
    });
  }
}
