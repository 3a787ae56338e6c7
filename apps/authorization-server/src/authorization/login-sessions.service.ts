import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Clock, authorizationConfig, type AuthorizationConfig } from '#config';
import { hashSecret } from '#oauth';
import { LoginSessionRepository, UserEntity, UserRepository } from '#persistence';

const SESSION_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** Signed-in browsers. The cookie value is random; only its SHA-256 is stored. */
@Injectable()
export class LoginSessionsService {
  constructor(
    private readonly sessions: LoginSessionRepository,
    private readonly users: UserRepository,
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    private readonly clock: Clock,
  ) {}

  get lifetimeSeconds(): number {
    return this.config.sessionLifetime;
  }

  /** Starts a session for the user as read before its password was verified; answers the cookie value. */
  async start(user: { id: string; token_epoch: number }): Promise<string> {
    const value = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.sessions.insert({
      id: randomUUID(),
      session_hash: hashSecret(value),
      user_id: user.id,
      user_epoch: user.token_epoch,
      created_at: now,
      expires_at: now + this.config.sessionLifetime * 1000,
    });
    return value;
  }

  /** Ends the session the cookie names, if any (sign-out). */
  async end(cookie: string | undefined): Promise<void> {
    if (!cookie || !SESSION_VALUE.test(cookie)) return;
    await this.sessions.deleteByHash(hashSecret(cookie));
  }

  /** The enabled user of a live session whose token epoch has not moved since the sign-in, or null. */
  async user(cookie: string | undefined): Promise<UserEntity | null> {
    if (!cookie || !SESSION_VALUE.test(cookie)) return null;
    const session = await this.sessions.findLiveByHash(hashSecret(cookie), this.clock.now());
    if (!session) return null;
    const user = await this.users.findById(session.user_id);
    return user && user.disabled_at === null && user.token_epoch === session.user_epoch ? user : null;
  }
}
