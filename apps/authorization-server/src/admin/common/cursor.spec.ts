import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor, instantParam, page } from './cursor.js';

describe('keyset cursors', () => {
  it('round-trips (time, id)', () => {
    expect(decodeCursor(encodeCursor(1764100000123, 'abc"\\'))).toEqual({ at: 1764100000123, id: 'abc"\\' });
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['JSON of another shape', Buffer.from('{"at":1}').toString('base64url')],
    ['a non-integer time', Buffer.from('[1.5,"x"]').toString('base64url')],
    ['a too long id', Buffer.from(JSON.stringify([1, 'x'.repeat(256)])).toString('base64url')],
  ])('refuses %s with 400', (_, value) => {
    expect(() => decodeCursor(value)).toThrow(BadRequestException);
  });

  it('cuts one extra row into next_cursor, and gives null on the last page', () => {
    const rows = [1, 2, 3].map((n) => ({ at: 100 - n, id: `r${n}` }));
    expect(page(rows, 2, (r) => r)).toEqual({ items: rows.slice(0, 2), next_cursor: encodeCursor(98, 'r2') });
    expect(page(rows, 3, (r) => r)).toEqual({ items: rows, next_cursor: null });
  });

  it('reads RFC 3339 instants and refuses what names none', () => {
    expect(instantParam('2026-11-25T10:00:00Z', 'x')).toBe(Date.UTC(2026, 10, 25, 10));
    expect(() => instantParam('2026-W01-1', 'issued_after')).toThrow('issued_after must be an RFC 3339 date-time');
  });
});
