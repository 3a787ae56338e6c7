import type { DeviceAuthorizationEntity } from '../entities/device-authorization.entity.js';

export type NewDeviceAuthorization = DeviceAuthorizationEntity & { device_code_hash: string; user_code_hash: string };

/** How a poll stood against the device's interval (RFC 8628 3.5). */
export type PollPace = 'in_time' | 'too_fast';

/**
 * The device_authorization table. Every change of status is one conditional statement, so that of
 * concurrent requests exactly one moves a row on (one approval, one redemption).
 */
export abstract class DeviceAuthorizationRepository {
  abstract insert(row: NewDeviceAuthorization): Promise<void>;
  abstract findByDeviceCodeHash(hash: string): Promise<DeviceAuthorizationEntity | null>;
  /** The pending request with this user code that expires after `now`, or null. */
  abstract findPendingByUserCodeHash(hash: string, now: number): Promise<DeviceAuthorizationEntity | null>;
  /** The pending request with this id that expires after `now`, or null. */
  abstract findPendingById(id: string, now: number): Promise<DeviceAuthorizationEntity | null>;
  /** Records the user's decision on a pending, live request; false when it was decided already or expired. */
  abstract decide(
    id: string,
    now: number,
    decision: { status: 'approved' | 'denied'; subject: string; user_epoch: number },
  ): Promise<boolean>;
  /**
   * Records a poll at `now`: in time when at least `interval` seconds passed since the last one (or it is
   * the first); otherwise too fast, and the interval grows by 5 seconds.
   */
  abstract recordPoll(id: string, now: number): Promise<PollPace>;
  /**
   * Moves an approved request to consumed, in the same statement checking that the approving user still
   * exists, is enabled and is at the approval's token epoch; false when another poll did it first, the
   * approval was revoked, or the user changed.
   */
  abstract consume(id: string): Promise<boolean>;
  /** Moves an approved request to revoked (its approval no longer holds); false when it was not approved. */
  abstract revoke(id: string): Promise<boolean>;
  /** Revokes the approved, unredeemed requests of a user for a client; the number revoked. */
  abstract revokeApproved(subject: string, clientId: string): Promise<number>;
}
