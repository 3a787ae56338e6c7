import type { LoginSessionEntity } from '../entities/login-session.entity.js';
import { LoginSessionRepository, type NewLoginSession } from '../repositories/login-session.repository.js';
import { uniqueViolation, without } from './in-memory-table.js';

/** The login_session table in memory. */
export class FakeLoginSessionRepository extends LoginSessionRepository {
  private readonly rows = new Map<string, NewLoginSession>();

  async insert(session: NewLoginSession): Promise<void> {
    if (this.rows.has(session.id)) throw uniqueViolation(`login_session.id ${session.id}`);
    this.rows.set(session.id, { ...session });
  }

  async findLiveByHash(sessionHash: string, now: number): Promise<LoginSessionEntity | null> {
    const session = [...this.rows.values()].find((s) => s.session_hash === sessionHash && s.expires_at > now);
    return session ? without(session, 'session_hash') : null;
  }

  async deleteByHash(sessionHash: string): Promise<void> {
    for (const [id, s] of this.rows) if (s.session_hash === sessionHash) this.rows.delete(id);
  }

  async deleteForUser(userId: string): Promise<void> {
    for (const [id, s] of this.rows) if (s.user_id === userId) this.rows.delete(id);
  }
}
