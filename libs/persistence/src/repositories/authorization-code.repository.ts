import type { AuthorizationCodeEntity } from '../entities/authorization-code.entity.js';

export type NewAuthorizationCode = AuthorizationCodeEntity & { code_hash: string };

/** The authorization_code table; codes are found by their SHA-256 (their redemption is part of the refresh-token side). */
export abstract class AuthorizationCodeRepository {
  abstract insert(code: NewAuthorizationCode): Promise<void>;
  abstract findByHash(codeHash: string): Promise<AuthorizationCodeEntity | null>;
  /** Deletes the user's codes for the client that were never redeemed. */
  abstract deleteUnused(userId: string, clientId: string): Promise<void>;
}
