import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { UserEntity } from '../entities/user.entity.js';
import { type KeysetAfter, newestFirst } from '../keyset.js';
import { UserRepository, type UserWithPasswordHash } from './user.repository.js';

const NEXT_EPOCH = () => 'token_epoch + 1';

export class TypeOrmUserRepository extends UserRepository {
  private readonly users: Repository<UserEntity>;

  constructor(manager: EntityManager) {
    super();
    this.users = manager.getRepository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findWithPasswordHashByUsername(username: string): Promise<UserWithPasswordHash | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.password_hash')
      .where('u.username = :username', { username })
      .getOne();
  }

  existsById(id: string): Promise<boolean> {
    return this.users.existsBy({ id });
  }

  existsByUsername(username: string): Promise<boolean> {
    return this.users.existsBy({ username });
  }

  existsEnabled(id: string): Promise<boolean> {
    return this.users.existsBy({ id, disabled_at: IsNull() });
  }

  existsEnabledAtEpoch(id: string, epoch: number): Promise<boolean> {
    return this.users.existsBy({ id, disabled_at: IsNull(), token_epoch: epoch });
  }

  listNewestFirst(limit: number, after?: KeysetAfter): Promise<UserEntity[]> {
    const qb = this.users.createQueryBuilder('u');
    return newestFirst(qb, { time: 'u.created_at', id: 'u.id' }, limit, after).getMany();
  }

  async insert(user: UserWithPasswordHash): Promise<void> {
    await this.users.insert(user);
  }

  async disable(id: string, disabledAt: number, now: number): Promise<void> {
    await this.users.update({ id }, { disabled_at: disabledAt, updated_at: now, token_epoch: NEXT_EPOCH });
  }

  async enable(id: string, now: number): Promise<void> {
    await this.users.update({ id }, { disabled_at: null, updated_at: now });
  }

  async setPasswordHash(id: string, passwordHash: string, now: number): Promise<void> {
    await this.users.update({ id }, { password_hash: passwordHash, updated_at: now, token_epoch: NEXT_EPOCH });
  }

  async delete(id: string): Promise<void> {
    await this.users.delete({ id });
  }
}
