import type { ConsentEntity } from '../entities/consent.entity.js';
import { ConsentRepository } from '../repositories/consent.repository.js';

/** The consent table in memory: one row per user and client. */
export class FakeConsentRepository extends ConsentRepository {
  private readonly rows = new Map<string, ConsentEntity>();

  async find(userId: string, clientId: string): Promise<ConsentEntity | null> {
    const consent = this.rows.get(keyOf(userId, clientId));
    return consent ? { ...consent } : null;
  }

  async exists(userId: string, clientId: string): Promise<boolean> {
    return this.rows.has(keyOf(userId, clientId));
  }

  async save(consent: ConsentEntity): Promise<void> {
    this.rows.set(keyOf(consent.user_id, consent.client_id), { ...consent });
  }

  async delete(userId: string, clientId: string): Promise<void> {
    this.rows.delete(keyOf(userId, clientId));
  }

  async deleteForClient(clientId: string): Promise<void> {
    for (const [key, c] of this.rows) if (c.client_id === clientId) this.rows.delete(key);
  }
}

const keyOf = (userId: string, clientId: string) => JSON.stringify([userId, clientId]);
