import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditEventEntity, newestFirst } from '#persistence';
import { decodeCursor, instantParam, page } from '../common/cursor.js';
import { AuditEventDto, AuditEventPageDto, ListAuditEventsQueryDto } from './audit-event.dto.js';

/** The audit log, newest first, keyset-paged by (occurred_at, id). */
@Injectable()
export class AdminAuditService {
  constructor(@InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>) {}

  async list(q: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    const qb = this.events.createQueryBuilder('e');
    for (const key of ['action', 'actor', 'target_id'] as const) {
      if (q[key] !== undefined) qb.andWhere(`e.${key} = :${key}`, { [key]: q[key] });
    }
    if (q.occurred_after !== undefined)
      qb.andWhere('e.occurred_at >= :after', { after: instantParam(q.occurred_after, 'occurred_after') });
    if (q.occurred_before !== undefined)
      qb.andWhere('e.occurred_at < :before', { before: instantParam(q.occurred_before, 'occurred_before') });
    const columns = { time: 'e.occurred_at', id: 'e.id' };
    const rows = await newestFirst(qb, columns, q.limit, decodeCursor(q.cursor)).getMany();
    const result = page(rows, q.limit, (e) => ({ at: e.occurred_at, id: e.id }));
    return { items: result.items.map((e) => AuditEventDto.fromEntity(e)), next_cursor: result.next_cursor };
  }
}
