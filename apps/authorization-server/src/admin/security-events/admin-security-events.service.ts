import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { SecurityEventRepository } from '#persistence';
import { AuditService } from '../../audit/audit.service.js';
import { SecurityEventWorker } from '../../security-events/security-event-worker.service.js';
import { decodeCursor, page } from '../common/cursor.js';
import { ListSecurityEventsQueryDto, SecurityEventDto, SecurityEventPageDto } from './security-event.dto.js';

/** The security-event outbox, newest first, and re-delivery of an event. */
@Injectable()
export class AdminSecurityEventsService {
  constructor(
    private readonly events: SecurityEventRepository,
    private readonly audit: AuditService,
    private readonly worker: SecurityEventWorker,
    private readonly clock: Clock,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
  ) {}

  async list(q: ListSecurityEventsQueryDto): Promise<SecurityEventPageDto> {
    const filter = { client_id: q.client_id, type: q.type, status: q.status };
    const rows = await this.events.listNewestFirst(filter, q.limit, decodeCursor(q.cursor));
    const result = page(rows, q.limit, (e) => ({ at: e.created_at, id: e.id }));
    return {
      items: result.items.map((e) => SecurityEventDto.fromEntity(e, this.server.issuer)),
      next_cursor: result.next_cursor,
    };
  }

  async get(id: string): Promise<SecurityEventDto> {
    const event = await this.events.findById(id);
    if (!event) throw new NotFoundException(`security event ${id} not found`);
    return SecurityEventDto.fromEntity(event, this.server.issuer, await this.events.attemptsOf(id));
  }

  /** Queues a delivered or failed event again (its attempts are kept); 409 while it is pending. */
  async redeliver(id: string, actor: string): Promise<SecurityEventDto> {
    await this.get(id);
    if (!(await this.events.requeue(id, this.clock.now())))
      throw new ConflictException(`security event ${id} is pending delivery already`);
    await this.audit.log({ actor, action: 'security_event.redelivered', target_type: 'security_event', target_id: id });
    this.worker.wake();
    return this.get(id);
  }
}
