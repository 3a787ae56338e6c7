import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn, jsonList } from './columns.js';

/** Where an event stands in its delivery: waiting (or retrying), accepted by the receiver, given up. */
export const SECURITY_EVENT_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type SecurityEventStatus = (typeof SECURITY_EVENT_STATUSES)[number];

/**
 * The outbox of Security Event Tokens (RFC 8417): one row per event and receiving client, written in the
 * transaction of the change that causes it, delivered (RFC 8935 push) by the security-event worker.
 */
@Entity('security_event')
@Index('idx_security_event_created', ['created_at', 'id'])
@Index('idx_security_event_client', ['client_id', 'created_at', 'id'])
@Index('idx_security_event_due', ['status', 'next_attempt_at'])
export class SecurityEventEntity {
  /** Also the SET's `jti`. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The SET's `txn`: shared by the events of one change. */
  @Column({ type: 'varchar', length: 36 })
  txn: string;

  /** The receiving client (the SET's `aud`). */
  @Column({ type: 'varchar', length: 200 })
  client_id: string;

  /** The event's short name (security-event-types.ts maps it to its URI). */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  /** The refresh-token families concerned (none for a client's secret rotation). */
  @Column({ type: 'text', transformer: jsonList })
  family_ids: string[];

  @Column({ type: 'varchar', length: 64, nullable: true })
  reason: string | null;

  @InstantColumn()
  created_at: number;

  @Column({ type: 'varchar', length: 16 })
  status: SecurityEventStatus;

  /** Every attempt ever made, re-deliveries included. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Attempts since the event was queued or re-queued: the retry schedule and its limit count these. */
  @Column({ type: 'integer', default: 0 })
  round_attempts: number;

  @InstantColumn()
  next_attempt_at: number;

  /** A worker's claim: no other instance takes the event before this instant (a crashed claim expires). */
  @InstantColumn({ nullable: true })
  claimed_until: number | null;

  @InstantColumn({ nullable: true })
  delivered_at: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  last_error: string | null;
}
