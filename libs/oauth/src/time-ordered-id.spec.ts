import { timeOrderedId } from './time-ordered-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(timeOrderedId.name, () => {
  it('is a version 7, RFC 9562 variant UUID', () => {
    for (let i = 0; i < 1000; i += 1) expect(timeOrderedId(Date.now())).toMatch(UUID_V7);
  });

  it('carries the Unix milliseconds in its first 48 bits', () => {
    const id = timeOrderedId(0x0192f5a87c3e);
    expect(id.startsWith('0192f5a8-7c3e-7')).toBe(true);
  });

  it('sorts by time across milliseconds', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => timeOrderedId(t));
    expect([...ids].sort()).toStrictEqual(ids);
  });

  it('differs between ids of the same millisecond', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => timeOrderedId(1_700_000_000_000)));
    expect(ids.size).toBe(5000);
  });
});
