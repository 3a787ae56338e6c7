import type { UserEntity } from '../entities/user.entity.js';
import type { KeysetAfter } from '../keyset.js';
import { UserRepository, type UserWithPasswordHash } from '../repositories/user.repository.js';
import { newestFirstInMemory, uniqueViolation, without } from './in-memory-table.js';

/** The app_user table in memory; every disable and password change moves the token epoch, as in SQL. */
export class FakeUserRepository extends UserRepository {
  private readonly rows = new Map<string, UserWithPasswordHash>();

  /** The stored row as it is now (for the other fakes and for assertions). */
  row(id: string): Readonly<UserWithPasswordHash> | undefined {
    return this.rows.get(id);
  }

  /** The user exists, is enabled and its token epoch is `epoch`: what a grant's family or code needs. */
  activeAtEpoch(id: string, epoch: number): boolean {
    const user = this.rows.get(id);
    return user !== undefined && user.disabled_at === null && user.token_epoch === epoch;
  }

  async findById(id: string): Promise<UserEntity | null> {
    const user = this.rows.get(id);
    return user ? without(user, 'password_hash') : null;
  }

  async findWithPasswordHashByUsername(username: string): Promise<UserWithPasswordHash | null> {
    const user = [...this.rows.values()].find((u) => u.username === username);
    return user ? { ...user } : null;
  }

  async existsById(id: string): Promise<boolean> {
    return this.rows.has(id);
  }

  async existsByUsername(username: string): Promise<boolean> {
    return [...this.rows.values()].some((u) => u.username === username);
  }

  async existsEnabled(id: string): Promise<boolean> {
    return this.rows.get(id)?.disabled_at === null;
  }

  async existsEnabledAtEpoch(id: string, epoch: number): Promise<boolean> {
    return this.activeAtEpoch(id, epoch);
  }

  async listNewestFirst(limit: number, after?: KeysetAfter): Promise<UserEntity[]> {
    const page = newestFirstInMemory(this.rows.values(), (u) => ({ at: u.created_at, id: u.id }), limit, after);
    return page.map((u) => without(u, 'password_hash'));
  }

  async insert(user: UserWithPasswordHash): Promise<void> {
    if (this.rows.has(user.id)) throw uniqueViolation(`app_user.id ${user.id}`);
    if (await this.existsByUsername(user.username)) throw uniqueViolation(`app_user.username ${user.username}`);
    this.rows.set(user.id, { ...user, token_epoch: user.token_epoch ?? 0 });
  }

  async disable(id: string, disabledAt: number, now: number): Promise<void> {
    this.change(id, (u) => ({ disabled_at: disabledAt, updated_at: now, token_epoch: u.token_epoch + 1 }));
  }

  async enable(id: string, now: number): Promise<void> {
    this.change(id, () => ({ disabled_at: null, updated_at: now }));
  }

  async setPasswordHash(id: string, passwordHash: string, now: number): Promise<void> {
    this.change(id, (u) => ({ password_hash: passwordHash, updated_at: now, token_epoch: u.token_epoch + 1 }));
  }

  async delete(id: string): Promise<void> {
    this.rows.delete(id);
  }

  /** An UPDATE ... WHERE id: changes nothing when there is no such row. */
  private change(id: string, changes: (user: UserWithPasswordHash) => Partial<UserWithPasswordHash>): void {
    const user = this.rows.get(id);
    if (user) this.rows.set(id, { ...user, ...changes(user) });
  }
}
