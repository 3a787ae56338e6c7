import type { EntityManager, Repository } from 'typeorm';
import { ConsentEntity } from '../entities/consent.entity.js';
import { ConsentRepository } from './consent.repository.js';

export class TypeOrmConsentRepository extends ConsentRepository {
  private readonly consents: Repository<ConsentEntity>;

  constructor(manager: EntityManager) {
    super();
    this.consents = manager.getRepository(ConsentEntity);
  }

  find(userId: string, clientId: string): Promise<ConsentEntity | null> {
    return this.consents.findOneBy({ user_id: userId, client_id: clientId });
  }

  exists(userId: string, clientId: string): Promise<boolean> {
    return this.consents.existsBy({ user_id: userId, client_id: clientId });
  }

  async save(consent: ConsentEntity): Promise<void> {
    await this.consents.upsert(consent, ['user_id', 'client_id']);
  }

  async delete(userId: string, clientId: string): Promise<void> {
    await this.consents.delete({ user_id: userId, client_id: clientId });
  }

  async deleteForClient(clientId: string): Promise<void> {
    await this.consents.delete({ client_id: clientId });
  }
}
