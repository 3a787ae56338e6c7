import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Prefixes of the secrets this server hands out: recognisable by secret scanners, and they
 * let a malformed value be refused before any lookup.
 */
export const SecretPrefix = {
  RefreshToken: 'asrt_',
  ClientSecret: 'ascs_',
  AuthorizationCode: 'asac_',
} as const;
export type SecretPrefix = (typeof SecretPrefix)[keyof typeof SecretPrefix];

const RANDOM_BYTES = 32; // 256 bits
const BODY = /^[A-Za-z0-9_-]{43}$/;

export interface MintedSecret {
  /** Shown once to its owner, never stored or logged. */
  value: string;
  /** SHA-256 (hex): what is stored and looked up. */
  hash: string;
}

export function mintSecret(prefix: SecretPrefix): MintedSecret {
  const value = prefix + randomBytes(RANDOM_BYTES).toString('base64url');
  return { value, hash: hashSecret(value) };
}

/** High-entropy secrets need no slow hash: SHA-256 is enough and keeps lookups fast. */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** True when `value` has the shape of a secret minted with `prefix`. */
export function hasSecretShape(value: string, prefix: SecretPrefix): boolean {
  return value.length === prefix.length + 43 && value.startsWith(prefix) && BODY.test(value.slice(prefix.length));
}

/**
 * Constant-time equality of two secrets of any length (CSRF tokens, PKCE challenges): their SHA-256
 * digests, always 32 bytes, are compared, so neither a length nor the position of the first
 * difference shows in the time taken.
 */
export function digestsEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison of a presented secret against a stored SHA-256 hex digest. */
export function secretMatchesHash(presented: string, storedHash: string | null | undefined): boolean {
  const actual = Buffer.from(hashSecret(presented), 'hex');
  const wellFormed = typeof storedHash === 'string' && /^[0-9a-f]{64}$/i.test(storedHash);
  const expected = Buffer.from(wellFormed ? storedHash : '', 'hex');
  if (!wellFormed) {
    timingSafeEqual(actual, actual);
    return false;
  }
  return timingSafeEqual(actual, expected);
}
