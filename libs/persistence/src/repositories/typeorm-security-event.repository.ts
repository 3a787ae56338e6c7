import { randomUUID } from 'node:crypto';
import type { EntityManager, Repository } from 'typeorm';
import { SecurityEventAttemptEntity } from '../entities/security-event-attempt.entity.js';
import { SecurityEventEntity, type SecurityEventStatus } from '../entities/security-event.entity.js';
import { type KeysetAfter, newestFirst } from '../keyset.js';
import { positional } from './refresh-token.sql.js';
import {
  type AttemptOutcome,
  type DeliveryAttempt,
  type OutboxEvent,
  type SecurityEventDraft,
  type SecurityEventFilter,
  SecurityEventRepository,
} from './security-event.repository.js';
import { QUEUE_FOR_CLIENT } from './security-event.sql.js';

/** The due events no live claim holds, oldest due first; PostgreSQL skips the rows another instance is claiming. */
const claimSql = (postgres: boolean) => `UPDATE security_event SET claimed_until = $claim_until
  WHERE id IN (SELECT id FROM security_event
    WHERE status = 'pending' AND next_attempt_at <= $now AND (claimed_until IS NULL OR claimed_until <= $now)
    ORDER BY next_attempt_at, id LIMIT $limit${postgres ? ' FOR UPDATE SKIP LOCKED' : ''})
  RETURNING *`;

export class TypeOrmSecurityEventRepository extends SecurityEventRepository {
  private readonly events: Repository<SecurityEventEntity>;
  private readonly postgres: boolean;

  constructor(private readonly manager: EntityManager) {
    super();
    this.events = manager.getRepository(SecurityEventEntity);
    this.postgres = manager.connection.options.type === 'postgres';
  }

  async queueForClient(draft: SecurityEventDraft, event: OutboxEvent, now: number): Promise<number> {
    const rows = await this.query(QUEUE_FOR_CLIENT, {
      id: randomUUID(),
      txn: draft.txn,
      type: draft.type,
      reason: draft.reason,
      now,
      client_id: event.client_id,
      subject: event.subject,
      family_ids: JSON.stringify(event.family_ids),
    });
    draft.queued += rows.length;
    return rows.length;
  }

  async claimDue(now: number, claimUntil: number, limit: number): Promise<SecurityEventEntity[]> {
    const rows = await this.query(claimSql(this.postgres), { now, claim_until: claimUntil, limit });
    return rows.map(fromRow);
  }

  /**
   * The attempt first, then the event, each one statement (no TypeORM transaction: on SQLite its single
   * connection would let other requests' statements join it, decision 3). A crash between the two leaves
   * the event claimed until the claim lapses; it is then tried again.
   */
  async recordAttempt(eventId: string, attempt: DeliveryAttempt, outcome: AttemptOutcome): Promise<void> {
    await this.manager
      .getRepository(SecurityEventAttemptEntity)
      .insert({ id: randomUUID(), event_id: eventId, ...attempt });
    const delivered = outcome.status === 'delivered';
    await this.events
      .createQueryBuilder()
      .update()
      .set({
        attempts: () => 'attempts + 1',
        round_attempts: () => 'round_attempts + 1',
        status: outcome.status,
        claimed_until: null,
        last_error: delivered ? null : (attempt.error ?? `HTTP ${attempt.status_code}`),
        ...(outcome.status === 'pending' ? { next_attempt_at: outcome.next_attempt_at } : {}),
        ...(delivered ? { delivered_at: attempt.attempted_at } : {}),
      })
      .where('id = :id', { id: eventId })
      .execute();
  }

  listNewestFirst(filter: SecurityEventFilter, limit: number, after?: KeysetAfter): Promise<SecurityEventEntity[]> {
    const qb = this.events.createQueryBuilder('e');
    for (const key of ['client_id', 'type', 'status'] as const) {
      if (filter[key] !== undefined) qb.andWhere(`e.${key} = :${key}`, { [key]: filter[key] });
    }
    return newestFirst(qb, { time: 'e.created_at', id: 'e.id' }, limit, after).getMany();
  }

  findById(id: string): Promise<SecurityEventEntity | null> {
    return this.events.findOneBy({ id });
  }

  attemptsOf(eventId: string): Promise<SecurityEventAttemptEntity[]> {
    return this.manager
      .getRepository(SecurityEventAttemptEntity)
      .find({ where: { event_id: eventId }, order: { attempted_at: 'ASC', id: 'ASC' } });
  }

  async requeue(id: string, now: number): Promise<boolean> {
    const result = await this.events
      .createQueryBuilder()
      .update()
      .set({ status: 'pending', round_attempts: 0, next_attempt_at: now, claimed_until: null })
      .where('id = :id AND status IN (:...done)', { id, done: ['delivered', 'failed'] })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Named `$name` parameters in the driver's positional form; the rows returned. */
  private async query(sql: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    const { text, names } = positional(sql);
    const driverSql = this.postgres ? text : text.replace(/\$\d+/g, '?');
    const values = this.postgres ? names.map((n) => params[n] ?? null) : orderOf(sql).map((n) => params[n] ?? null);
    const runner = this.manager.queryRunner ?? this.manager.connection.createQueryRunner();
    try {
      const result = await runner.query(driverSql, values, true);
      return (result.records ?? []) as Record<string, unknown>[];
    } finally {
      if (runner !== this.manager.queryRunner) await runner.release();
    }
  }
}

/** The parameter names in order of appearance, repeats included (SQLite's `?` are positional one by one). */
function orderOf(sql: string): string[] {
  return [...sql.matchAll(/\$([a-z_]+)/g)].map((m) => m[1]);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function fromRow(row: Record<string, unknown>): SecurityEventEntity {
  return Object.assign(new SecurityEventEntity(), {
    id: row.id as string,
    txn: row.txn as string,
    client_id: row.client_id as string,
    type: row.type as string,
    subject: (row.subject as string | null) ?? null,
    family_ids: JSON.parse((row.family_ids as string) || '[]') as string[],
    reason: (row.reason as string | null) ?? null,
    created_at: Number(row.created_at),
    status: row.status as SecurityEventStatus,
    attempts: Number(row.attempts),
    round_attempts: Number(row.round_attempts),
    next_attempt_at: Number(row.next_attempt_at),
    claimed_until: num(row.claimed_until),
    delivered_at: num(row.delivered_at),
    last_error: (row.last_error as string | null) ?? null,
  });
}
