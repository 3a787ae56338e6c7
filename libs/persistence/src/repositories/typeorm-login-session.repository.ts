import { type EntityManager, MoreThan, type Repository } from 'typeorm';
import { LoginSessionEntity } from '../entities/login-session.entity.js';
import { LoginSessionRepository, type NewLoginSession } from './login-session.repository.js';

export class TypeOrmLoginSessionRepository extends LoginSessionRepository {
  private readonly sessions: Repository<LoginSessionEntity>;

  constructor(manager: EntityManager) {
    super();
    this.sessions = manager.getRepository(LoginSessionEntity);
  }

  async insert(session: NewLoginSession): Promise<void> {
    await this.sessions.insert(session);
  }

  findLiveByHash(sessionHash: string, now: number): Promise<LoginSessionEntity | null> {
    return this.sessions.findOneBy({ session_hash: sessionHash, expires_at: MoreThan(now) });
  }

  async deleteByHash(sessionHash: string): Promise<void> {
    await this.sessions.delete({ session_hash: sessionHash });
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.sessions.delete({ user_id: userId });
  }
}
