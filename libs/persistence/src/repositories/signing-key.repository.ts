import type { SigningKeyEntity } from '../entities/signing-key.entity.js';

/** A stored key with its private half (as stored: an envelope or, without a key-encryption key, a JWK). */
export type SigningKeyRow = SigningKeyEntity & { private_jwk: string };

/** The signing_key table: every state change is a conditional update, so instances agree on the one active key. */
export abstract class SigningKeyRepository {
  abstract findActive(): Promise<SigningKeyEntity | null>;
  abstract findWithPrivate(kid: string): Promise<SigningKeyRow | null>;
  abstract findAllWithPrivate(): Promise<SigningKeyRow[]>;
  /** Every key, oldest first. */
  abstract findAll(): Promise<SigningKeyEntity[]>;
  /** `next` keys of an algorithm, oldest first. */
  abstract findNext(alg: string): Promise<SigningKeyEntity[]>;
  /** Keys in the JWKS's statuses (next, active, retiring), oldest first. */
  abstract findPublishable(): Promise<SigningKeyEntity[]>;
  /** Throws the database's unique violation when the row would be a second active key. */
  abstract insert(row: SigningKeyRow): Promise<void>;
  /** Rewrites a private key's stored form if it is still `previous`; true when it was. */
  abstract replacePrivate(kid: string, previous: string, next: string): Promise<boolean>;
  /** The active key `kid` becomes retiring; false when it is no longer active. */
  abstract demote(kid: string, now: number, retireAfter: number): Promise<boolean>;
  /** The next key `kid` becomes active; false when it is no longer next. */
  abstract promote(kid: string, now: number): Promise<boolean>;
  /** Next keys of any other algorithm are retired at once. */
  abstract retireNextExcept(alg: string, now: number): Promise<void>;
  /** Retiring keys whose retire_after has come become retired. */
  abstract sweep(now: number): Promise<void>;
}
