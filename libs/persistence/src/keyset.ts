import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** The sort key of the last row of the previous page. */
export interface KeysetAfter {
  at: number;
  id: string;
}

/**
 * Newest first by (time, id), one row more than `limit` (to know whether a next page exists),
 * starting after `after`: keyset pagination, no OFFSET, stable while rows are added.
 */
export function newestFirst<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  columns: { time: string; id: string },
  limit: number,
  after?: KeysetAfter,
): SelectQueryBuilder<T> {
  // A row comparison, not an OR of two: both databases then bound the index range scan by it.
  if (after) qb.andWhere(`(${columns.time}, ${columns.id}) < (:at, :id)`, after);
  return qb
    .orderBy(columns.time, 'DESC')
    .addOrderBy(columns.id, 'DESC')
    .limit(limit + 1);
}
