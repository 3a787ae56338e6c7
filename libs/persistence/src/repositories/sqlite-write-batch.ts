import type { Database, Transaction } from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Writes queued per turn of the event loop are committed together, up to this many. */
export const MAX_BATCH = 256;

/**
 * Group commit for SQLite. Each write is a synchronous unit of work; the units queued while
 * the event loop handles one round of I/O run in one transaction, each inside its own
 * savepoint. A unit that throws is rolled back alone and rejects alone; the others commit.
 * Every promise settles only after the COMMIT, so nothing is answered before it is durable.
 * One commit per round instead of one per request: fewer WAL frames (pages touched by several
 * units are written once) and, with synchronous=FULL, one fsync for the round.
 */
export class SqliteWriteBatch {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly commit: Transaction<(units: Pending[]) => Outcome[]>;

  constructor(db: Database) {
    // Inside an open transaction better-sqlite3 runs a transaction function as a savepoint.
    const unit = db.transaction((work: () => unknown) => work());
    this.commit = db.transaction((units: Pending[]) =>
      units.map((u): Outcome => {
        try {
          return { ok: true, value: unit(u.work) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
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
    let outcomes: Outcome[];
    try {
      outcomes = this.commit(units);
    } catch (error) {
      // BEGIN or COMMIT failed (busy, I/O error): nothing of the round was stored.
      for (const u of units) u.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? units[i].resolve(outcome.value) : units[i].reject(outcome.error)));
  }
}
