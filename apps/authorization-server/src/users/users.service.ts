import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '#config';
import { UserEntity } from '#persistence';
import { decoyHash, hashPassword, verifyPassword } from './password-hasher.js';

export const USERNAME_PATTERN = /^[^\s\p{Cc}]{1,200}$/u;
export const PASSWORD_LENGTH = { min: 8, max: 1024 };

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly clock: Clock,
  ) {}

  async create(username: string, password: string): Promise<UserEntity> {
    if (!USERNAME_PATTERN.test(username))
      throw new BadRequestException('username must be 1-200 characters without spaces or control characters');
    if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
      throw new BadRequestException(`password must be ${PASSWORD_LENGTH.min}-${PASSWORD_LENGTH.max} characters`);
    }
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
    await this.users.insert(user);
    delete (user as Partial<UserEntity>).password_hash;
    return user;
  }

  /** The enabled user with these credentials, or null; takes the same time either way. */
  async verifyCredentials(username: string, password: string): Promise<UserEntity | null> {
    const user =
      username.length <= 200 && password.length <= PASSWORD_LENGTH.max
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
