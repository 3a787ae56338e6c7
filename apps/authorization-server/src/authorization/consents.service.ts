import { Injectable } from '@nestjs/common';
import { Clock } from '#config';
import { isStorableText, scopeExcess, scopeList } from '#oauth';
import { ConsentRepository } from '#persistence';

/** Remembered consent, per user and client; it covers a request when it holds every scope asked for. */
@Injectable()
export class ConsentsService {
  constructor(
    private readonly consents: ConsentRepository,
    private readonly clock: Clock,
  ) {}

  async covers(userId: string, clientId: string, scope: readonly string[]): Promise<boolean> {
    const consent = await this.consents.find(userId, clientId);
    if (!consent) return false;
    return scopeExcess(scope, scopeList(consent.scope)).length === 0;
  }

  async remember(userId: string, clientId: string, scope: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const existing = await this.consents.find(userId, clientId);
    const merged = [...new Set([...scopeList(existing?.scope ?? ''), ...scope])].join(' ');
    await this.consents.save({
      user_id: userId,
      client_id: clientId,
      scope: merged,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    });
  }

  async exists(userId: string, clientId: string): Promise<boolean> {
    return isStorableText(clientId, 200) && this.consents.exists(userId, clientId);
  }

  async withdraw(userId: string, clientId: string): Promise<void> {
    await this.consents.delete(userId, clientId);
  }
}
