import type { EntityManager, Repository } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity.js';
import { type KeysetAfter, newestFirst } from '../keyset.js';
import { type AuditEventFilter, AuditEventRepository } from './audit-event.repository.js';
import type { AuditRecord } from './refresh-token.repository.js';

export class TypeOrmAuditEventRepository extends AuditEventRepository {
  private readonly events: Repository<AuditEventEntity>;

  constructor(manager: EntityManager) {
    super();
    this.events = manager.getRepository(AuditEventEntity);
  }

  async insert(event: AuditRecord): Promise<void> {
    await this.events.insert(event);
  }

  listNewestFirst(filter: AuditEventFilter, limit: number, after?: KeysetAfter): Promise<AuditEventEntity[]> {
    const qb = this.events.createQueryBuilder('e');
    for (const key of ['action', 'actor', 'target_id'] as const) {
      if (filter[key] !== undefined) qb.andWhere(`e.${key} = :${key}`, { [key]: filter[key] });
    }
    if (filter.occurred_after !== undefined) qb.andWhere('e.occurred_at >= :after', { after: filter.occurred_after });
    if (filter.occurred_before !== undefined)
      qb.andWhere('e.occurred_at < :before', { before: filter.occurred_before });
    return newestFirst(qb, { time: 'e.occurred_at', id: 'e.id' }, limit, after).getMany();
  }
}
