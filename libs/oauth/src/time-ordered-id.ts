import { poolRandomBytes } from './random-pool.js';

/**
 * RFC 9562 5.7 UUID version 7: 48 bits of Unix milliseconds, then 74 random bits. Rows keyed by
 * it are inserted at the right edge of their primary-key index instead of at a random leaf, and
 * ids sort by creation time. The random bits come from the CSPRNG through poolRandomBytes.
 */
export function timeOrderedId(unixMs: number): string {
  const r = poolRandomBytes(10);
  const time = Math.max(0, Math.min(Math.floor(unixMs), 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  const hex = r.toString('hex');
  const version = `7${hex.slice(0, 3)}`;
  const variant = ((r[2] & 0x3f) | 0x80).toString(16) + hex.slice(6, 8);
  return `${time.slice(0, 8)}-${time.slice(8)}-${version}-${variant}-${hex.slice(8, 20)}`;
}
