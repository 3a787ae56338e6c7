import type { LoginSessionEntity } from '../entities/login-session.entity.js';

export type NewLoginSession = LoginSessionEntity & { session_hash: string };

/** The login_session table: signed-in browsers, found by the SHA-256 of their cookie value. */
export abstract class LoginSessionRepository {
  abstract insert(session: NewLoginSession): Promise<void>;
  /** The session with this hash that expires after `now`, or null. */
  abstract findLiveByHash(sessionHash: string, now: number): Promise<LoginSessionEntity | null>;
  abstract deleteByHash(sessionHash: string): Promise<void>;
  abstract deleteForUser(userId: string): Promise<void>;
}
