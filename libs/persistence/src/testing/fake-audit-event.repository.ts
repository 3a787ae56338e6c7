import type { AuditEventEntity } from '../entities/audit-event.entity.js';
import type { KeysetAfter } from '../keyset.js';
import { type AuditEventFilter, AuditEventRepository } from '../repositories/audit-event.repository.js';
import type { AuditRecord } from '../repositories/refresh-token.repository.js';
import { newestFirstInMemory, uniqueViolation } from './in-memory-table.js';

/** The audit_event table in memory; `events` is what was recorded, oldest first. */
export class FakeAuditEventRepository extends AuditEventRepository {
  private readonly rows: AuditRecord[] = [];

  get events(): readonly Readonly<AuditRecord>[] {
    return this.rows;
  }

  async insert(event: AuditRecord): Promise<void> {
    this.append(event);
  }

  /** The insert the refresh-token fake makes inside its own "transaction". */
  append(event: AuditRecord): void {
    if (this.rows.some((e) => e.id === event.id)) throw uniqueViolation(`audit_event.id ${event.id}`);
    this.rows.push({ ...event });
  }

  async listNewestFirst(filter: AuditEventFilter, limit: number, after?: KeysetAfter): Promise<AuditEventEntity[]> {
    const matching = this.rows.filter(
      (e) =>
        (['action', 'actor', 'target_id'] as const).every((k) => filter[k] === undefined || e[k] === filter[k]) &&
        (filter.occurred_after === undefined || e.occurred_at >= filter.occurred_after) &&
        (filter.occurred_before === undefined || e.occurred_at < filter.occurred_before),
    );
    return newestFirstInMemory(matching, (e) => ({ at: e.occurred_at, id: e.id }), limit, after).map((e) => ({
      ...e,
    }));
  }
}
