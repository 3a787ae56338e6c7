import type { Pool } from 'pg';
import type { SuccessorDraft } from './refresh-token.repository.js';
import { SELECT_TOKEN_WITH_FAMILY } from './refresh-token.sql.js';
import { rotatableSql } from './rotation-rule.js';

/** One refresh: the presented token's hash, the request's instant and the drafted successor. */
export interface RotationRequest {
  tokenHash: string;
  now: number;
  draft: SuccessorDraft;
}

/** The presented token as read (with its family), and whether this request rotated it. */
export type RotationRow = Record<string, unknown> & { rotated: boolean };

interface Pending {
  request: RotationRequest;
  resolve: (row: RotationRow | null) => void;
  reject: (reason: unknown) => void;
}

/** Rotations sent in one statement, at most. */
export const MAX_ROTATION_BATCH = 128;

/** Rotation statements one instance runs at once: half its pool, so other queries find a connection. */
export function rotationStatements(poolSize: number): number {
  return Math.max(1, Math.floor(poolSize / 2));
}

/**
 * Group commit for the PostgreSQL refresh. Rotations queued while the event loop handles one round
 * of I/O go out as one statement (one round trip, one transaction, one WAL flush) as long as fewer
 * than `maxInFlight` statements are running; otherwise they wait and join the next one, so batches
 * grow with the load and a quiet server sends each rotation at once, alone, with the single-row
 * statement.
 *
 * Races stay with row locks: a statement that finds a token's row updated by another waits for it
 * and then sees it used. Two presentations of one token in one batch update its row once, and only
 * the presentation that did gets a successor; the other reads as not rotated, exactly as if it had
 * lost to another statement. A failed statement wrote nothing (one statement is one transaction),
 * so its rotations run again one by one and a faulty one fails alone.
 */
export class PostgresRotationBatch {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly pool: () => Pool,
    private readonly maxInFlight: number,
  ) {}

  rotate(request: RotationRequest): Promise<RotationRow | null> {
    return new Promise<RotationRow | null>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const units = this.queue.splice(0, MAX_ROTATION_BATCH);
      this.inFlight += 1;
      void this.send(units).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  private async send(units: Pending[]): Promise<void> {
    if (units.length === 1) return this.alone(units[0]);
    let rows: RotationRow[];
    try {
      rows = (
        await this.pool().query<RotationRow>({
          name: 'rotate_by_hash_batch',
          text: ROTATE_BY_HASH_BATCH,
          values: [
            units.map((u) => u.request.tokenHash),
            units.map((u) => u.request.now),
            units.map((u) => u.request.draft.client_id),
            units.map((u) => u.request.draft.id),
            units.map((u) => u.request.draft.token_hash),
            units.map((u) => u.request.draft.idle_expires_at),
            units.map((u) => u.request.draft.dpop_jkt ?? null),
            units.map((u) => u.request.draft.used_from?.address ?? null),
            units.map((u) => u.request.draft.used_from?.user_agent ?? null),
          ],
        })
      ).rows;
    } catch {
      await Promise.all(units.map((u) => this.alone(u)));
      return;
    }
    const byOrdinal = new Map<number, RotationRow>();
    for (const { ord, ...row } of rows) byOrdinal.set(Number(ord), row as RotationRow);
    units.forEach((u, i) => u.resolve(byOrdinal.get(i + 1) ?? null));
  }

  private async alone({ request, resolve, reject }: Pending): Promise<void> {
    try {
      const { rows } = await this.pool().query<RotationRow>({
        name: 'rotate_by_hash',
        text: ROTATE_BY_HASH,
        values: [
          request.tokenHash,
          request.now,
          request.draft.client_id,
          request.draft.id,
          request.draft.token_hash,
          request.draft.idle_expires_at,
          request.draft.dpop_jkt ?? null,
          request.draft.used_from?.address ?? null,
          request.draft.used_from?.user_agent ?? null,
        ],
      });
      resolve(rows[0] ?? null);
    } catch (error) {
      reject(error);
    }
  }
}

/**
 * One rotation: read the token with its family and its user's standing, mark it used if it is
 * rotatable (`rotatableSql`, the rule of rotation-rule.ts) with where the request came from ($8 address,
 * $9 User-Agent), insert the successor. Row locking makes the conditional UPDATE safe
 * against concurrent rotations on any instance (the loser sees used_at set and writes nothing).
 */
export const ROTATE_BY_HASH = `WITH presented AS (
    ${SELECT_TOKEN_WITH_FAMILY} WHERE t.token_hash = $1),
  used AS (
    UPDATE refresh_token t SET used_at = $2::bigint, last_used_at = $2::bigint, used_address = $8::text,
      used_user_agent = $9::text
    FROM presented p
    WHERE t.id = p.id AND ${rotatableSql({ read: 'p', row: 't', clientId: '$3', now: '$2::bigint', jkt: '$7::text' })}
    RETURNING t.id),
  successor AS (
    INSERT INTO refresh_token (id, family_id, parent_id, client_id, subject, token_hash, scope, issued_at, expires_at)
    SELECT $4, p.family_id, p.id, $3, p.family_subject, $5, p.scope, $2::bigint, LEAST($6::bigint, p.family_expires_at)
    FROM presented p JOIN used u ON u.id = p.id
    RETURNING id)
  SELECT p.*, EXISTS (SELECT 1 FROM successor) AS rotated FROM presented p`;

/**
 * The same for many rotations, one per element of the arrays ($1 hashes, $2 instants, $3 client
 * ids, $4 successor ids, $5 successor hashes, $6 successor idle expiries, $7 the DPoP key thumbprints
 * the requests proved, or nulls, $8 and $9 the requests' addresses and User-Agents, or nulls), answered by
 * ordinal.
 * When one token is presented twice, UPDATE ... FROM updates its row once, from one of the joined
 * presentations, and RETURNING names that one: only it gets the successor.
 */
export const ROTATE_BY_HASH_BATCH = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
      $8::text[], $9::text[])
      WITH ORDINALITY AS i (token_hash, now, client_id, successor_id, successor_hash, idle_expires_at, dpop_jkt,
        used_address, used_user_agent, ord)),
  presented AS (
    SELECT i.ord, s.* FROM input i
    CROSS JOIN LATERAL (${SELECT_TOKEN_WITH_FAMILY} WHERE t.token_hash = i.token_hash) s),
  used AS (
    UPDATE refresh_token t SET used_at = i.now, last_used_at = i.now, used_address = i.used_address,
      used_user_agent = i.used_user_agent
    FROM presented p JOIN input i ON i.ord = p.ord
    WHERE t.id = p.id AND ${rotatableSql({ read: 'p', row: 't', clientId: 'i.client_id', now: 'i.now', jkt: 'i.dpop_jkt' })}
    RETURNING p.ord),
  successor AS (
    INSERT INTO refresh_token (id, family_id, parent_id, client_id, subject, token_hash, scope, issued_at, expires_at)
    SELECT i.successor_id, p.family_id, p.id, i.client_id, p.family_subject, i.successor_hash, p.scope, i.now,
      LEAST(i.idle_expires_at, p.family_expires_at)
    FROM used u JOIN presented p ON p.ord = u.ord JOIN input i ON i.ord = u.ord
    RETURNING id)
  SELECT p.*, EXISTS (SELECT 1 FROM successor s JOIN input i ON i.successor_id = s.id WHERE i.ord = p.ord) AS rotated
  FROM presented p`;
