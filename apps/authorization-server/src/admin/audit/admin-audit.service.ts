import { Injectable } from '@nestjs/common';
import { AuditEventRepository } from '#persistence';
import { decodeCursor, instantParam, page } from '../common/cursor.js';
import { AuditEventDto, AuditEventPageDto, ListAuditEventsQueryDto } from './audit-event.dto.js';

/** The audit log, newest first, keyset-paged by (occurred_at, id). */
@Injectable()
export class AdminAuditService {
  constructor(private readonly events: AuditEventRepository) {}

  async list(q: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    const filter = {
      action: q.action,
      actor: q.actor,
      target_id: q.target_id,
      occurred_after: q.occurred_after === undefined ? undefined : instantParam(q.occurred_after, 'occurred_after'),
      occurred_before: q.occurred_before === undefined ? undefined : instantParam(q.occurred_before, 'occurred_before'),
    };
    const rows = await this.events.listNewestFirst(filter, q.limit, decodeCursor(q.cursor));
    const result = page(rows, q.limit, (e) => ({ at: e.occurred_at, id: e.id }));
    return { items: result.items.map((e) => AuditEventDto.fromEntity(e)), next_cursor: result.next_cursor };
  }
}
