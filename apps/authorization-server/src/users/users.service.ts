import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '#config';
import { LoginSessionEntity, UserEntity, isUniqueViolation, newestFirst } from '#persistence';
import { decoyHash, hashPassword, verifyPassword } from './password-hasher.js';

export const USERNAME_PATTERN = /^[^\s\p{Cc}]{1,200}$/u;
export const PASSWORD_LENGTH = { min: 8, max: 1024 };

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(LoginSessionEntity) private readonly sessions: Repository<LoginSessionEntity>,
    private readonly clock: Clock,
  ) {}

  async create(username: string, password: string): Promise<UserEntity> {
    if (!USERNAME_PATTERN.test(username))
      throw new BadRequestException('username must be 1-200 characters without spaces or control characters');
    assertPassword(password);
    if (await this.users.existsBy({ username })) throw new BadRequestException(`username ${username} is taken`);
    const now = this.clock.now();
    const user = this.users.create({
      id: randomUUID(),
      username,
      password_hash: await hashPassword(password),
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
    const qb = this.users.createQueryBuilder('u');
    return newestFirst(qb, { time: 'u.created_at', id: 'u.id' }, limit, after).getMany();
  }

  async getOrThrow(id: string): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return user;
  }

  async isEnabled(id: string): Promise<boolean> {
    const user = await this.users.findOneBy({ id });
    return user !== null && user.disabled_at === null;
  }

  async setDisabled(id: string, disabled: boolean): Promise<UserEntity> {
    const user = await this.getOrThrow(id);
    const now = this.clock.now();
    await this.users.update({ id }, { disabled_at: disabled ? (user.disabled_at ?? now) : null, updated_at: now });
    return this.getOrThrow(id);
  }

  async setPassword(id: string, password: string): Promise<void> {
    await this.getOrThrow(id);
    assertPassword(password);
    await this.users.update({ id }, { password_hash: await hashPassword(password), updated_at: this.clock.now() });
    await this.endSessions(id);
  }

  /** Signs the user out of every browser. */
  async endSessions(id: string): Promise<void> {
    await this.sessions.delete({ user_id: id });
  }

  async delete(id: string): Promise<void> {
    await this.getOrThrow(id);
    await this.endSessions(id);
    await this.users.delete({ id });
  }

  /** The enabled user with these credentials, or null; takes the same time either way. */
  async verifyCredentials(username: string, password: string): Promise<UserEntity | null> {
    const user =
      USERNAME_PATTERN.test(username) && password.length <= PASSWORD_LENGTH.max
        ? await this.users
            .createQueryBuilder('u')
            .addSelect('u.password_hash')
            .where('u.username = :username', { username })
            .getOne()
        : null;
    const ok = await verifyPassword(password.slice(0, PASSWORD_LENGTH.max), user?.password_hash ?? (await decoyHash()));
    if (!user || !ok || user.disabled_at !== null) return null;
    delete (user as Partial<UserEntity>).password_hash;
    return user;
  }
}

function assertPassword(password: string): void {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new BadRequestException(`password must be ${PASSWORD_LENGTH.min}-${PASSWORD_LENGTH.max} characters`);
  }
}
