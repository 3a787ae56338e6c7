import type { KeysetAfter } from '../keyset.js';

/** What the database answers for a duplicate key, recognised by `isUniqueViolation` (errors.ts). */
export function uniqueViolation(what: string): Error {
  return Object.assign(new Error(`duplicate key: ${what}`), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
}

/**
 * A copy without the columns a plain SELECT leaves out (`select: false`): typed as the entity, the
 * columns absent, as TypeORM answers it.
 */
export function without<T extends object>(row: T, ...hidden: (keyof T)[]): T {
  const copy = { ...row };
  for (const column of hidden) delete copy[column];
  return copy;
}

/**
 * `newestFirst` (keyset.ts) over rows in memory: by (time, id) descending, after the keyset, one row
 * more than `limit`.
 */
export function newestFirstInMemory<T>(
  rows: Iterable<T>,
  key: (row: T) => { at: number; id: string },
  limit: number,
  after?: KeysetAfter,
): T[] {
  const before = (a: KeysetAfter, b: KeysetAfter) => a.at < b.at || (a.at === b.at && a.id < b.id);
  return [...rows]
    .filter((row) => after === undefined || before(key(row), after))
    .sort((x, y) => (before(key(x), key(y)) ? 1 : before(key(y), key(x)) ? -1 : 0))
    .slice(0, limit + 1);
}
