import type { Database, Transaction } from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Writes queued per turn of the event loop are committed together, up to this many. */
export const MAX_BATCH = 256;

/**
 * Group commit for SQLite. Each write is a synchronous unit of work that reads what it depends on
 * (a rotation re-checks that the token is unused), so it may run again after a rollback with the
 * same meaning. The units queued while the event loop handles one round of I/O run in one
 * transaction; every promise settles only after the COMMIT, so nothing is answered before it is
 * durable. If any unit throws, or the COMMIT fails, the round is rolled back and each unit runs
 * again in a transaction of its own: the faulty one fails alone. One commit per round instead of
 * one per request: fewer WAL frames (pages touched by several units are written once) and, with
 * synchronous=FULL, one fsync for the round.
 */
export class SqliteWriteBatch {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly together: Transaction<(units: Pending[]) => unknown[]>;
  private readonly alone: Transaction<(work: () => unknown) => unknown>;

  constructor(db: Database) {
    this.together = db.transaction((units: Pending[]) => units.map((u) => u.work()));
    this.alone = db.transaction((work: () => unknown) => work());
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const units = this.queue.splice(0, MAX_BATCH);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(() => this.flush());
    let values: unknown[];
    try {
      values = this.together(units);
    } catch {
      for (const u of units) this.runAlone(u);
      return;
    }
    units.forEach((u, i) => u.resolve(values[i]));
  }

  private runAlone(unit: Pending): void {
    try {
      unit.resolve(this.alone(unit.work));
    } catch (error) {
      unit.reject(error);
    }
  }
}
