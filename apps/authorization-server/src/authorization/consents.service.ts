import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '#config';
import { isStorableText, scopeExcess, scopeList } from '#oauth';
import { ConsentEntity } from '#persistence';

/** Remembered consent, per user and client; it covers a request when it holds every scope asked for. */
@Injectable()
export class ConsentsService {
  constructor(
    @InjectRepository(ConsentEntity) private readonly consents: Repository<ConsentEntity>,
    private readonly clock: Clock,
  ) {}

  async covers(userId: string, clientId: string, scope: readonly string[]): Promise<boolean> {
    const consent = await this.consents.findOneBy({ user_id: userId, client_id: clientId });
    if (!consent) return false;
    return scopeExcess(scope, scopeList(consent.scope)).length === 0;
  }

  async remember(userId: string, clientId: string, scope: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const existing = await this.consents.findOneBy({ user_id: userId, client_id: clientId });
    const merged = [...new Set([...scopeList(existing?.scope ?? ''), ...scope])].join(' ');
    await this.consents.upsert(
      { user_id: userId, client_id: clientId, scope: merged, created_at: existing?.created_at ?? now, updated_at: now },
      ['user_id', 'client_id'],
    );
  }

  async exists(userId: string, clientId: string): Promise<boolean> {
    return isStorableText(clientId, 200) && this.consents.existsBy({ user_id: userId, client_id: clientId });
  }

  async withdraw(userId: string, clientId: string): Promise<void> {
    await this.consents.delete({ user_id: userId, client_id: clientId });
  }
}
