import { createHash, timingSafeEqual } from 'node:crypto';
import { poolRandomBytes } from './random-pool.js';

/**
 * Prefixes of the secrets this server hands out: recognisable by secret scanners, and they
 * let a malformed value be refused before any lookup.
 */
export const SecretPrefix = {
  RefreshToken: 'asrt_',
  ClientSecret: 'ascs_',
  AuthorizationCode: 'asac_',
  DeviceCode: 'asdc_',
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
  const value = prefix + poolRandomBytes(RANDOM_BYTES).toString('base64url');
  return { value, hash: hashSecret(value) };
}

/**
 * A refresh token names its own row: `asrt_`, the row's id (16 bytes, 22 base64url characters), then
 * 256 random bits (43 characters). On SQLite the server finds the row by its primary key and accepts
 * the token only when the SHA-256 of the whole value equals the stored one, so the store needs no index
 * over random hashes (each rotation used to add an entry at a random place in one); PostgreSQL finds it
 * by that hash (decision 9). The id says nothing the client does not know already (it is time-ordered:
 * it tells when the token was issued), and without the random part it is worth nothing.
 */
export function mintRefreshToken(id: string): MintedSecret {
  const value =
    SecretPrefix.RefreshToken +
    Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url') +
    poolRandomBytes(RANDOM_BYTES).toString('base64url');
  return { value, hash: hashSecret(value) };
}

/** How a presented refresh token is looked up: by row id and hash, or by hash alone (issued before ids were embedded). */
export type RefreshTokenKey = { id: string; hash: string; legacy?: undefined } | { legacy: true; hash: string };

const ID_PART = /^[A-Za-z0-9_-]{21}[AQgw]$/; // 22 characters of 16 bytes: the last one carries 2 bits and 4 zero bits

/**
 * The lookup key of a presented refresh token, or null when it has the shape of none this server
 * issues. Tokens minted before ids were embedded (`asrt_` + 43 characters) are looked up by hash.
 */
export function refreshTokenKey(value: string): RefreshTokenKey | null {
  const prefix = SecretPrefix.RefreshToken;
  if (hasSecretShape(value, prefix)) return { legacy: true, hash: hashSecret(value) };
  if (value.length !== prefix.length + 22 + 43 || !value.startsWith(prefix)) return null;
  const idPart = value.slice(prefix.length, prefix.length + 22);
  if (!ID_PART.test(idPart) || !BODY.test(value.slice(prefix.length + 22))) return null;
  const hex = Buffer.from(idPart, 'base64url').toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, hash: hashSecret(value) };
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
