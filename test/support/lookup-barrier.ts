import pg from 'pg';
import { type RefreshTokenKey, hashSecret } from '#oauth';
import { RefreshTokenRepository, rotationStatements } from '#persistence';
import { TEST_DIALECT } from './test-database.js';
import type { TestApp } from './test-app.js';

/**
 * Holds every refresh-token lookup on the given repositories until `count` of them have read
 * the token, so that all requests race on the rotation itself. Returns the undo.
 */
export function holdLookupsUntil(count: number, repositories: RefreshTokenRepository[]): () => void {
  const originals = repositories.map((r) => r.find.bind(r));
  let waiting: (() => void)[] = [];
  repositories.forEach((repository, i) => {
    repository.find = async (key: RefreshTokenKey) => {
      const row = await originals[i](key);
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length === count) waiting.forEach((r) => r());
      });
      return row;
    };
  });
  return () => {
    repositories.forEach((repository, i) => (repository.find = originals[i]));
    waiting = [];
  };
}

export interface RotationRace {
  /** How many the hold waits for: requests on SQLite, rotation statements on PostgreSQL. */
  expected: number;
  /** Ends the hold; answers how many of them had read the unused token when it ended. */
  release(): Promise<number>;
}

/**
 * Makes concurrent refreshes of `tokenValue` all read the token unused before any rotates it.
 * SQLite: the lookups are held in the app (holdLookupsUntil). PostgreSQL rotates in one statement
 * per batch: the token's row is locked from another connection, so every statement takes its
 * snapshot (the token unused) and then waits on the lock; the lock is let go once `count`
 * statements wait (or as many as the instances run at once: rotationStatements of their pools).
 * Answers how many statements waited; each may carry several of the requests.
 */
export async function holdRotationRace(tokenValue: string, count: number, apps: TestApp[]): Promise<RotationRace> {
  if (TEST_DIALECT === 'sqlite') {
    const undo = holdLookupsUntil(
      count,
      apps.map((a) => a.app.get(RefreshTokenRepository)),
    );
    return { expected: count, release: async () => (undo(), count) };
  }
  const locker = new pg.Client({ connectionString: apps[0].database.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('SELECT 1 FROM refresh_token WHERE token_hash = $1 FOR UPDATE', [hashSecret(tokenValue)]);
  const expected = Math.min(count, apps.length * rotationStatements(Number(process.env.DATABASE_POOL_SIZE ?? 10)));
  let waited = 0;
  const held = (async () => {
    const until = Date.now() + 10_000;
    while (waited < expected && Date.now() < until) {
      // Inside a transaction pg_stat_activity answers from a snapshot taken once: drop it each time.
      await locker.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await locker.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%refresh_token%'`,
      );
      waited = rows[0].n;
      if (waited < expected) await new Promise((r) => setTimeout(r, 10));
    }
    await locker.query('ROLLBACK');
    await locker.end();
  })();
  return { expected, release: async () => (await held, waited) };
}
