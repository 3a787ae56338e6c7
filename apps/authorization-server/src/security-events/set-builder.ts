import type { SecurityEventEntity } from '#persistence';
import { eventUri } from './security-event-types.js';

/** The claims of a Security Event Token (RFC 8417 2.2) for one outbox row. */
export interface SecurityEventClaims {
  iss: string;
  aud: string;
  iat: number;
  jti: string;
  txn: string;
  /** RFC 8417 2.2: when the change happened (the SET may be issued later, on a retry). */
  toe: number;
  events: Record<string, { subject?: string; family_ids?: string[]; reason?: string }>;
}

/**
 * The SET for `event`, issued at `now` (epoch ms): `aud` is the receiving client, `jti` the row's id (the
 * same on every retry, so a receiver can drop a duplicate), `txn` shared by the events of one change. The
 * payload names families, subject and reason: never a token value.
 */
export function buildSecurityEventClaims(issuer: string, event: SecurityEventEntity, now: number): SecurityEventClaims {
  const payload: SecurityEventClaims['events'][string] = {};
  if (event.subject !== null) payload.subject = event.subject;
  if (event.family_ids.length > 0) payload.family_ids = event.family_ids;
  if (event.reason !== null) payload.reason = event.reason;
  return {
    iss: issuer,
    aud: event.client_id,
    iat: Math.floor(now / 1000),
    jti: event.id,
    txn: event.txn,
    toe: Math.floor(event.created_at / 1000),
    events: { [eventUri(issuer, event.type)]: payload },
  };
}
