import { poolRandomBytes } from './random-pool.js';

describe(poolRandomBytes.name, () => {
  it('draws before the first bytes it hands out (the pool starts as zeros)', () => {
    expect(poolRandomBytes(32).equals(Buffer.alloc(32))).toBe(false);
  });

  it('answers exactly the bytes asked for, beyond the pool size too', () => {
    for (const n of [0, 1, 10, 32, 4095, 4096, 4097, 10_000]) expect(poolRandomBytes(n)).toHaveLength(n);
  });

  it('never hands out the same bytes twice, across many refills, whatever the sizes', () => {
    const seen = new Set<string>();
    const sizes = [10, 32, 7, 43, 16];
    for (let i = 0; i < 5_000; i += 1) {
      const hex = poolRandomBytes(sizes[i % sizes.length]).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('answers a copy: later draws and refills leave it as it was', () => {
    const first = poolRandomBytes(32);
    const kept = first.toString('hex');
    for (let i = 0; i < 300; i += 1) poolRandomBytes(32); // more than the 4 KB pool: at least one refill
    expect(first.toString('hex')).toBe(kept);
  });
});
