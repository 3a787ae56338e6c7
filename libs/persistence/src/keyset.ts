import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Newest first by (time, id), one row more than `limit` (to know whether a next page exists),
 * starting after `after`: keyset pagination, no OFFSET, stable while rows are added.
 */
export function newestFirst<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  columns: { time: string; id: string },
  limit: number,
  after?: { at: number; id: string },
): SelectQueryBuilder<T> {
  if (after) qb.andWhere(`(${columns.time} < :at OR (${columns.time} = :at AND ${columns.id} < :id))`, after);
  return qb
    .orderBy(columns.time, 'DESC')
    .addOrderBy(columns.id, 'DESC')
    .limit(limit + 1);
}
