/** The outbox's SQL shared by both dialects and both kinds of repository, with `$name` placeholders. */
import { randomUUID } from 'node:crypto';
import type { SecurityEventDraft } from './security-event.repository.js';

const COLUMNS = `id, txn, client_id, type, subject, family_ids, reason, created_at, status, attempts, round_attempts,
  next_attempt_at`;

/** The event for `$client_id`, written only when that client has an endpoint (RETURNING: the row written). */
export const QUEUE_FOR_CLIENT = `INSERT INTO security_event (${COLUMNS})
  SELECT $id, $txn, client_id, $type, $subject, $family_ids, $reason, CAST($now AS bigint), 'pending', 0, 0,
    CAST($now AS bigint)
  FROM oauth_client WHERE client_id = $client_id AND security_event_endpoint IS NOT NULL RETURNING id`;

/** The event for the client of the family `$family_id`, when that client has an endpoint. */
export const QUEUE_FOR_FAMILY = `INSERT INTO security_event (${COLUMNS})
  SELECT $id, $txn, c.client_id, $type, f.subject, $family_ids, $reason, CAST($now AS bigint), 'pending', 0, 0,
    CAST($now AS bigint)
  FROM refresh_token_family f JOIN oauth_client c ON c.client_id = f.client_id
  WHERE f.id = $family_id AND c.security_event_endpoint IS NOT NULL RETURNING id`;

/** Family ids per event, so that a bulk revocation never makes one huge SET. */
export const FAMILIES_PER_EVENT = 100;

export interface RevokedFamilyRow {
  id: string;
  client_id: string;
  subject: string;
}

/** The parameters of QUEUE_FOR_CLIENT for the families a bulk revocation revoked: per client and subject, in chunks. */
export function bulkOutboxParams(draft: SecurityEventDraft, revoked: RevokedFamilyRow[], now: number): object[] {
  const groups = new Map<string, { client_id: string; subject: string; ids: string[] }>();
  for (const row of revoked) {
    const key = JSON.stringify([row.client_id, row.subject]);
    const group = groups.get(key) ?? { client_id: row.client_id, subject: row.subject, ids: [] };
    group.ids.push(row.id);
    groups.set(key, group);
  }
  const params: object[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.ids.length; i += FAMILIES_PER_EVENT) {
      params.push({
        ...draftParams(draft, now),
        client_id: group.client_id,
        subject: group.subject,
        family_ids: JSON.stringify(group.ids.slice(i, i + FAMILIES_PER_EVENT)),
      });
    }
  }
  return params;
}

/** The parameters of QUEUE_FOR_FAMILY. */
export function familyOutboxParams(draft: SecurityEventDraft, familyId: string, now: number): object {
  return { ...draftParams(draft, now), family_id: familyId, family_ids: JSON.stringify([familyId]) };
}

function draftParams(draft: SecurityEventDraft, now: number) {
  return { id: randomUUID(), txn: draft.txn, type: draft.type, reason: draft.reason, now };
}
