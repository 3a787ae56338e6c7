import { BadRequestException } from '@nestjs/common';
import { isStorableText } from '#oauth';

/**
 * Opaque keyset cursors: the sort key of the last item of a page, base64url JSON. Pages are
 * newest first by (time, id), so an item inserted while paging never shifts the pages after it.
 */
export interface Cursor {
  at: number;
  id: string;
}

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      isStorableText(parsed[1], 255)
    ) {
      return { at: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new BadRequestException('cursor is not a cursor this server issued');
}

/** Splits one extra fetched row off into the next cursor. */
export function page<T>(rows: T[], limit: number, key: (row: T) => Cursor): { items: T[]; next_cursor: string | null } {
  if (rows.length <= limit) return { items: rows, next_cursor: null };
  const items = rows.slice(0, limit);
  const last = key(items[items.length - 1]);
  return { items, next_cursor: encodeCursor(last.at, last.id) };
}

export const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** An RFC 3339 query parameter as epoch milliseconds; 400 when it names no instant. */
export function instantParam(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new BadRequestException(`${name} must be an RFC 3339 date-time`);
  return ms;
}
