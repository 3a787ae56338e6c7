import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

export const DEVICE_AUTHORIZATION_STATUSES = ['pending', 'approved', 'denied', 'revoked', 'consumed'] as const;
export type DeviceAuthorizationStatus = (typeof DEVICE_AUTHORIZATION_STATUSES)[number];

/**
 * RFC 8628 3.2: a device's request, found by the SHA-256 of its device code (the device's polls) or of
 * its normalized user code (the user's verification page). The user's approval fills in `subject` and
 * `user_epoch`; the one poll that redeems it moves it to `consumed`. An approval that no longer holds before
 * that poll (consent withdrawn, the user disabled, deleted or given a new password) is `revoked`.
 */
@Entity('device_authorization')
@Index('idx_device_authorization_expiry', ['expires_at'])
export class DeviceAuthorizationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  client_id: string;

  @Index('uq_device_authorization_device_code_hash', { unique: true })
  @Column({ type: 'varchar', length: 64, select: false })
  device_code_hash: string;

  @Index('uq_device_authorization_user_code_hash', { unique: true })
  @Column({ type: 'varchar', length: 64, select: false })
  user_code_hash: string;

  @Column({ type: 'text' })
  scope: string;

  /** The user who approved or denied; null while pending. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  subject: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: DeviceAuthorizationStatus;

  /** RFC 8628 3.5: seconds the device must wait between polls; grows by 5 on each slow_down. */
  @Column({ type: 'integer' })
  interval: number;

  @InstantColumn({ nullable: true })
  last_polled_at: number | null;

  /** The approving user's token_epoch of the sign-in session the approval came from. */
  @Column({ type: 'integer', nullable: true })
  user_epoch: number | null;

  @InstantColumn()
  expires_at: number;

  @InstantColumn()
  created_at: number;
}
