import { Injectable } from '@nestjs/common';
import { Clock } from '#config';
import {
  type FamilyFilter,
  RefreshTokenRepository,
  RevocationReason,
  type ReplayEvidence,
  type SecurityEventDraft,
} from '#persistence';
import { AuditService } from '../audit/audit.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SecurityEventOutbox } from '../security-events/security-event-outbox.js';
import { EVENT_OF_REVOCATION } from '../security-events/security-event-types.js';

/** Why a family ends, as stored on it (`revoked_reason`) and counted by the metric. */
export type RevocationReasonCode = (typeof RevocationReason)[keyof typeof RevocationReason];

/** Who revokes and why, for the audit record written in the revocation's own transaction. */
export interface RevocationCause {
  /** `client:<client_id>` for a client's request or what it presented, the admin's actor otherwise. */
  actor: string;
  reason: string;
  /** RFC 9700 4.14: for a replay, what was presented again and from where, kept on the family it revokes. */
  replay?: ReplayEvidence;
}

/**
 * Every revocation of refresh tokens goes through here: a replayed refresh token or authorization
 * code, RFC 7009, the admin routes, and user and client changes. One place owns the parts of it — the
 * repository call, the audit record and the security events (both stored in the same transaction as the
 * revocation) and the `families_revoked` metric — so no caller can do one without the others.
 */
@Injectable()
export class RefreshTokenRevocation {
  constructor(
    private readonly tokens: RefreshTokenRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly outbox: SecurityEventOutbox,
  ) {}

  /**
   * Revokes one family, recording `action` against it. Answers whether it was still active (a
   * family already revoked keeps its first reason and counts nothing).
   */
  async revokeFamily(
    familyId: string,
    why: RevocationReasonCode,
    action: string,
    cause: RevocationCause,
  ): Promise<boolean> {
    const record = this.audit.record({
      actor: cause.actor,
      action,
      target_type: 'refresh_token_family',
      target_id: familyId,
      reason: cause.reason,
    });
    const events = this.eventsOf(why);
    const revoked = await this.tokens.revokeFamily(familyId, {
      reason: why,
      now: this.clock.now(),
      audit: record,
      events,
      replay: cause.replay,
    });
    this.metrics.familyRevoked(why, revoked);
    if (events) this.outbox.written(events);
    return revoked;
  }

  /**
   * Revokes every active family of a subject, a client, or a subject at one client, recorded as
   * `refresh_tokens.bulk_revoked` against the subject when there is one, else the client. Answers
   * how many families it revoked.
   */
  async revokeMatching(filter: FamilyFilter, why: RevocationReasonCode, cause: RevocationCause): Promise<number> {
    const target =
      filter.subject !== undefined
        ? { target_type: 'subject', target_id: filter.subject }
        : filter.client_id !== undefined
          ? { target_type: 'client', target_id: filter.client_id }
          : undefined;
    // A filter without either would revoke every family of the server: no caller may ask for that.
    if (target === undefined) throw new Error('a bulk revocation needs a subject or a client_id');
    const record = this.audit.record({
      actor: cause.actor,
      action: 'refresh_tokens.bulk_revoked',
      ...target,
      reason: cause.reason,
    });
    const events = this.eventsOf(why);
    const revoked = await this.tokens.revokeMatching(
      { subject: filter.subject, client_id: filter.client_id },
      { reason: why, now: this.clock.now(), audit: record, events },
    );
    this.metrics.familyRevoked(why, revoked);
    if (events) this.outbox.written(events);
    return revoked;
  }

  /** The security events a revocation for this reason queues (one per client, with its families), if any. */
  private eventsOf(why: RevocationReasonCode): SecurityEventDraft | undefined {
    const type = EVENT_OF_REVOCATION[why];
    return type === undefined ? undefined : this.outbox.draft(type, why);
  }
}
