import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseHandle } from '../database-handle.js';

/** A condition on one instant column, given the placeholder of the cutoff. */
interface Purge {
  table:
    | 'refresh_token_family'
    | 'authorization_code'
    | 'login_session'
    | 'device_authorization'
    | 'security_event'
    | 'security_event_attempt';
  where: (cutoff: string) => string;
}

// Individual refresh_token rows (rotated, revoked, idle-expired) of a family that is still alive are never
// deleted on their own: presenting a rotated token again is how theft is detected (the whole family is
// revoked then), so they must stay until the family itself ends and its retention has passed.
const EXPIRED_FAMILIES: Purge = { table: 'refresh_token_family', where: (c) => `expires_at < ${c}` };
const REVOKED_FAMILIES: Purge = {
  table: 'refresh_token_family',
  where: (c) => `revoked_at IS NOT NULL AND revoked_at < ${c}`,
};
// A used code is kept until its expiry is past the cutoff: presenting it again revokes the tokens issued
// from it (RFC 6749 4.1.2), which needs the row.
const EXPIRED_CODES: Purge = { table: 'authorization_code', where: (c) => `expires_at < ${c}` };
// A login session is dead once expires_at is reached (LoginSessionsService accepts expires_at > now).
// A device authorization is of no use once expired (the grant answers expired_token, or invalid_grant once
// consumed, and no token hangs on it), so it is kept as long as an authorization code is, no longer.
const EXPIRED_DEVICE_AUTHORIZATIONS: Purge = { table: 'device_authorization', where: (c) => `expires_at < ${c}` };
const EXPIRED_SESSIONS: Purge = { table: 'login_session', where: (c) => `expires_at <= ${c}` };

// Delivered security events, then the attempts of events that are delivered or gone; a pending or failed
// event keeps its attempts (the admin API shows them, and a failed event may be redelivered).
const DELIVERED_EVENTS: Purge = {
  table: 'security_event',
  where: (c) => `status = 'delivered' AND delivered_at < ${c}`,
};
const SETTLED_ATTEMPTS: Purge = {
  table: 'security_event_attempt',
  where: (c) => `attempted_at < ${c} AND event_id NOT IN (SELECT id FROM security_event WHERE status <> 'delivered')`,
};

/**
 * The deletions of the housekeeping job, one batch per call: each is one statement, and therefore its own
 * short transaction, deleting by primary key at most `limit` rows; each answers the rows it deleted itself
 * (a family's refresh_token rows go with it, ON DELETE CASCADE, and are not counted). Two instances never
 * delete a row twice: a row deleted by one is not found by the other; on PostgreSQL `FOR UPDATE SKIP
 * LOCKED` also keeps them from waiting on the rows the other is deleting.
 */
@Injectable()
export class HousekeepingRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseHandle,
  ) {}

  /** Families whose absolute expiry is before `cutoff`. */
  deleteExpiredFamilies(cutoff: number, limit: number): Promise<number> {
    return this.deleteBatch(EXPIRED_FAMILIES, cutoff, limit);
  }

  /** Families revoked before `cutoff`. */
  deleteRevokedFamilies(cutoff: number, limit: number): Promise<number> {
    return this.deleteBatch(REVOKED_FAMILIES, cutoff, limit);
  }

  /** Authorization codes, used or not, whose expiry is before `cutoff`. */
  deleteExpiredCodes(cutoff: number, limit: number): Promise<number> {
    return this.deleteBatch(EXPIRED_CODES, cutoff, limit);
  }

  /** Device authorizations, whatever their status, whose expiry is before `cutoff`. */
  deleteExpiredDeviceAuthorizations(cutoff: number, limit: number): Promise<number> {
    return this.deleteBatch(EXPIRED_DEVICE_AUTHORIZATIONS, cutoff, limit);
  }

  /** Security events delivered before `cutoff`. */
  deleteDeliveredSecurityEvents(cutoff: number, limit: number): Promise<number> {
    return this.deleteBatch(DELIVERED_EVENTS, cutoff, limit);
  }

  /** Delivery attempts made before `cutoff` of events delivered or deleted. */
  deleteSettledSecurityEventAttempts(cutoff: number, limit: number): Promise<number> {
    return this.deleteBatch(SETTLED_ATTEMPTS, cutoff, limit);
  }

  /** Login sessions whose expiry is `now` or earlier. */
  deleteExpiredSessions(now: number, limit: number): Promise<number> {
    return this.deleteBatch(EXPIRED_SESSIONS, now, limit);
  }

  /**
   * The structured result is asked for because `dataSource.query` answers a DELETE differently per
   * driver (`[rows, rowCount]` on PostgreSQL).
   */
  private async deleteBatch(purge: Purge, cutoff: number, limit: number): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(this.statement(purge), [cutoff, limit], true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  /** `DELETE ... WHERE id IN (SELECT id ... LIMIT n)`: the same shape on both databases. */
  private statement({ table, where }: Purge): string {
    if (this.database.dialect === 'postgres') {
      return `DELETE FROM ${table} WHERE id IN (
        SELECT id FROM ${table} WHERE ${where('$1::bigint')} LIMIT $2::integer FOR UPDATE SKIP LOCKED
      )`;
    }
    return `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where('?')} LIMIT ?)`;
  }
}
