import { type EntityManager, MoreThan, type Repository } from 'typeorm';
import { DeviceAuthorizationEntity } from '../entities/device-authorization.entity.js';
import {
  DeviceAuthorizationRepository,
  type NewDeviceAuthorization,
  type PollPace,
} from './device-authorization.repository.js';

/** The approving user exists, is enabled and has the token epoch the approval recorded (as INSERT_FAMILY checks). */
const USER_STILL_APPROVES = `EXISTS (SELECT 1 FROM app_user WHERE app_user.id = device_authorization.subject
  AND app_user.disabled_at IS NULL AND app_user.token_epoch = device_authorization.user_epoch)`;

export class TypeOrmDeviceAuthorizationRepository extends DeviceAuthorizationRepository {
  private readonly rows: Repository<DeviceAuthorizationEntity>;

  constructor(manager: EntityManager) {
    super();
    this.rows = manager.getRepository(DeviceAuthorizationEntity);
  }

  async insert(row: NewDeviceAuthorization): Promise<void> {
    await this.rows.insert(row);
  }

  findByDeviceCodeHash(hash: string): Promise<DeviceAuthorizationEntity | null> {
    return this.rows.findOneBy({ device_code_hash: hash });
  }

  findPendingByUserCodeHash(hash: string, now: number): Promise<DeviceAuthorizationEntity | null> {
    return this.rows.findOneBy({ user_code_hash: hash, status: 'pending', expires_at: MoreThan(now) });
  }

  findPendingById(id: string, now: number): Promise<DeviceAuthorizationEntity | null> {
    return this.rows.findOneBy({ id, status: 'pending', expires_at: MoreThan(now) });
  }

  async decide(
    id: string,
    now: number,
    decision: { status: 'approved' | 'denied'; subject: string; user_epoch: number },
  ): Promise<boolean> {
    const result = await this.rows.update({ id, status: 'pending', expires_at: MoreThan(now) }, decision);
    return result.affected === 1;
  }

  async recordPoll(id: string, now: number): Promise<PollPace> {
    // "interval" quoted: a type name in PostgreSQL.
    const inTime = await this.rows
      .createQueryBuilder()
      .update()
      .set({ last_polled_at: now })
      .where('id = :id', { id })
      .andWhere('(last_polled_at IS NULL OR last_polled_at + "interval" * 1000 <= :now)', { now })
      .execute();
    if (inTime.affected === 1) return 'in_time';
    await this.rows
      .createQueryBuilder()
      .update()
      .set({ last_polled_at: now, interval: () => '"interval" + 5' })
      .where('id = :id', { id })
      .execute();
    return 'too_fast';
  }

  async consume(id: string): Promise<boolean> {
    const result = await this.rows
      .createQueryBuilder()
      .update()
      .set({ status: 'consumed' })
      .where("id = :id AND status = 'approved'", { id })
      .andWhere(USER_STILL_APPROVES)
      .execute();
    return result.affected === 1;
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.rows.update({ id, status: 'approved' }, { status: 'revoked' });
    return result.affected === 1;
  }

  async revokeApproved(subject: string, clientId: string): Promise<number> {
    const result = await this.rows.update({ subject, client_id: clientId, status: 'approved' }, { status: 'revoked' });
    return result.affected ?? 0;
  }
}
