import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '#config';
import { LoginSessionRepository, UserEntity, UserRepository, isUniqueViolation } from '#persistence';
import { decoyHash, hashPassword, verifyPassword } from './password-hasher.js';
import { passwordToSet, presentedPassword } from './password-policy.js';

export const USERNAME_PATTERN = /^[^\s\p{Cc}]{1,200}$/u;

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: LoginSessionRepository,
    private readonly clock: Clock,
  ) {}

  async create(username: string, password: string): Promise<UserEntity> {
    if (!USERNAME_PATTERN.test(username))
      throw new BadRequestException('username must be 1-200 characters without spaces or control characters');
    const stored = passwordToSet(password);
    if (await this.users.existsByUsername(username)) throw new BadRequestException(`username ${username} is taken`);
    const now = this.clock.now();
    const user = Object.assign(new UserEntity(), {
      id: randomUUID(),
      username,
      password_hash: await hashPassword(stored),
      disabled_at: null,
      created_at: now,
      updated_at: now,
    });
    try {
      await this.users.insert(user);
    } catch (e) {
      if (isUniqueViolation(e)) throw new BadRequestException(`username ${username} is taken`);
      throw e;
    }
    delete (user as Partial<UserEntity>).password_hash;
    return user;
  }

  async list(limit: number, after?: { at: number; id: string }): Promise<UserEntity[]> {
    return this.users.listNewestFirst(limit, after);
  }

  async getOrThrow(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return user;
  }

  /** The user exists and is enabled. */
  async isEnabled(id: string): Promise<boolean> {
    return isStorableId(id) && this.users.existsEnabled(id);
  }

  /** The user is enabled and its token epoch is still `epoch` (no disable or new password since it was read). */
  async isAtEpoch(id: string, epoch: number): Promise<boolean> {
    return this.users.existsEnabledAtEpoch(id, epoch);
  }

  /** Disabling moves the token epoch: sessions, codes and grants made before it stay refused after an enable. */
  async setDisabled(id: string, disabled: boolean): Promise<UserEntity> {
    const user = await this.getOrThrow(id);
    const now = this.clock.now();
    if (disabled) await this.users.disable(id, user.disabled_at ?? now, now);
    else await this.users.enable(id, now);
    return this.getOrThrow(id);
  }

  /** A new password moves the token epoch: every session, code and grant made with the old one is refused. */
  async setPassword(id: string, password: string): Promise<void> {
    await this.getOrThrow(id);
    const hash = await hashPassword(passwordToSet(password));
    await this.users.setPasswordHash(id, hash, this.clock.now());
    await this.endSessions(id);
  }

  /** Signs the user out of every browser. */
  async endSessions(id: string): Promise<void> {
    await this.sessions.deleteForUser(id);
  }

  async delete(id: string): Promise<void> {
    await this.getOrThrow(id);
    await this.endSessions(id);
    await this.users.delete(id);
  }

  /**
   * The enabled user with these credentials, or null; takes the same time either way. A username or
   * password that breaks a rule (password-policy.ts) is refused before any lookup, after the same scrypt
   * work on the decoy hash. The user is read before the password is hashed: its `token_epoch` is what
   * grants made from it must still match.
   */
  async verifyCredentials(username: string, password: string): Promise<UserEntity | null> {
    const presented = presentedPassword(password);
    const user =
      USERNAME_PATTERN.test(username) && !presented.refused
        ? await this.users.findWithPasswordHashByUsername(username)
        : null;
    const stored = user?.password_hash ?? (await decoyHash());
    let ok = false;
    for (const form of presented.forms) ok ||= await verifyPassword(form, stored);
    if (!user || !ok || user.disabled_at !== null) return null;
    delete (user as Partial<UserEntity>).password_hash;
    return user;
  }
}

/** User ids are UUIDs (varchar 36): anything longer is no user and is not looked up. */
const isStorableId = (id: string): boolean => id.length <= 36;
