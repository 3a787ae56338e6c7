import type { UserEntity } from '../entities/user.entity.js';
import type { KeysetAfter } from '../keyset.js';

/** A user as stored, with its password hash (never selected otherwise). */
export type UserWithPasswordHash = UserEntity & { password_hash: string };

/** The app_user table. Every disable and password change moves the user's token epoch. */
export abstract class UserRepository {
  abstract findById(id: string): Promise<UserEntity | null>;
  abstract findWithPasswordHashByUsername(username: string): Promise<UserWithPasswordHash | null>;
  abstract existsById(id: string): Promise<boolean>;
  abstract existsByUsername(username: string): Promise<boolean>;
  /** The user exists and is enabled. */
  abstract existsEnabled(id: string): Promise<boolean>;
  /** The user exists, is enabled and its token epoch is `epoch`. */
  abstract existsEnabledAtEpoch(id: string, epoch: number): Promise<boolean>;
  /** Newest first, keyset-paged by (created_at, id), one row more than `limit`. */
  abstract listNewestFirst(limit: number, after?: KeysetAfter): Promise<UserEntity[]>;
  abstract insert(user: UserWithPasswordHash): Promise<void>;
  /** Sets disabled_at and moves the token epoch. */
  abstract disable(id: string, disabledAt: number, now: number): Promise<void>;
  /** Clears disabled_at; the epoch stays where the disable moved it. */
  abstract enable(id: string, now: number): Promise<void>;
  /** Stores a new password hash and moves the token epoch. */
  abstract setPasswordHash(id: string, passwordHash: string, now: number): Promise<void>;
  abstract delete(id: string): Promise<void>;
}
