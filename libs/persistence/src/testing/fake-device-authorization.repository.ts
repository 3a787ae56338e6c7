import type { DeviceAuthorizationEntity } from '../entities/device-authorization.entity.js';
import {
  DeviceAuthorizationRepository,
  type NewDeviceAuthorization,
  type PollPace,
} from '../repositories/device-authorization.repository.js';
import type { FakeUserRepository } from './fake-user.repository.js';
import { uniqueViolation, without } from './in-memory-table.js';

/** The device_authorization table in memory, found by the SHA-256 of the device code or of the user code. */
export class FakeDeviceAuthorizationRepository extends DeviceAuthorizationRepository {
  private readonly rows = new Map<string, NewDeviceAuthorization>();

  /** `users`: the app_user table the redemption checks the approving user against, as the SQL joins it. */
  constructor(private readonly users: FakeUserRepository) {
    super();
  }

  /** The stored row as it is now (for assertions). */
  row(id: string): Readonly<NewDeviceAuthorization> | undefined {
    return this.rows.get(id);
  }

  async insert(row: NewDeviceAuthorization): Promise<void> {
    if (this.rows.has(row.id)) throw uniqueViolation(`device_authorization.id ${row.id}`);
    for (const column of ['device_code_hash', 'user_code_hash'] as const)
      if ([...this.rows.values()].some((r) => r[column] === row[column]))
        throw uniqueViolation(`device_authorization.${column}`);
    this.rows.set(row.id, { ...row });
  }

  async findByDeviceCodeHash(hash: string): Promise<DeviceAuthorizationEntity | null> {
    return this.visible([...this.rows.values()].find((r) => r.device_code_hash === hash));
  }

  async findPendingByUserCodeHash(hash: string, now: number): Promise<DeviceAuthorizationEntity | null> {
    return this.visible(
      [...this.rows.values()].find((r) => r.user_code_hash === hash && r.status === 'pending' && r.expires_at > now),
    );
  }

  async findPendingById(id: string, now: number): Promise<DeviceAuthorizationEntity | null> {
    const row = this.rows.get(id);
    return this.visible(row && row.status === 'pending' && row.expires_at > now ? row : undefined);
  }

  async decide(
    id: string,
    now: number,
    decision: { status: 'approved' | 'denied'; subject: string; user_epoch: number },
  ): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending' || row.expires_at <= now) return false;
    this.rows.set(id, { ...row, ...decision });
    return true;
  }

  async recordPoll(id: string, now: number): Promise<PollPace> {
    const row = this.rows.get(id);
    if (!row) return 'too_fast';
    const inTime = row.last_polled_at === null || row.last_polled_at + row.interval * 1000 <= now;
    this.rows.set(id, { ...row, last_polled_at: now, interval: inTime ? row.interval : row.interval + 5 });
    return inTime ? 'in_time' : 'too_fast';
  }

  async consume(id: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'approved') return false;
    if (!this.users.activeAtEpoch(row.subject!, row.user_epoch!)) return false;
    this.rows.set(id, { ...row, status: 'consumed' });
    return true;
  }

  async revoke(id: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'approved') return false;
    this.rows.set(id, { ...row, status: 'revoked' });
    return true;
  }

  async revokeApproved(subject: string, clientId: string): Promise<number> {
    const rows = [...this.rows.values()].filter(
      (r) => r.subject === subject && r.client_id === clientId && r.status === 'approved',
    );
    for (const row of rows) this.rows.set(row.id, { ...row, status: 'revoked' });
    return rows.length;
  }

  private visible(row: NewDeviceAuthorization | undefined): DeviceAuthorizationEntity | null {
    return row ? without(row, 'device_code_hash', 'user_code_hash') : null;
  }
}
