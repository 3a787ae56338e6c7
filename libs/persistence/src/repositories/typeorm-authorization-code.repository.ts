import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { AuthorizationCodeEntity } from '../entities/authorization-code.entity.js';
import { AuthorizationCodeRepository, type NewAuthorizationCode } from './authorization-code.repository.js';

export class TypeOrmAuthorizationCodeRepository extends AuthorizationCodeRepository {
  private readonly codes: Repository<AuthorizationCodeEntity>;

  constructor(manager: EntityManager) {
    super();
    this.codes = manager.getRepository(AuthorizationCodeEntity);
  }

  async insert(code: NewAuthorizationCode): Promise<void> {
    await this.codes.insert(code);
  }

  findByHash(codeHash: string): Promise<AuthorizationCodeEntity | null> {
    return this.codes.findOneBy({ code_hash: codeHash });
  }

  async deleteUnused(userId: string, clientId: string): Promise<void> {
    await this.codes.delete({ user_id: userId, client_id: clientId, used_at: IsNull() });
  }
}
