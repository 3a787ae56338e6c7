import type { AuthorizationCodeEntity } from '../entities/authorization-code.entity.js';
import {
  AuthorizationCodeRepository,
  type NewAuthorizationCode,
} from '../repositories/authorization-code.repository.js';
import { uniqueViolation, without } from './in-memory-table.js';

/** The authorization_code table in memory, found by the SHA-256 of the code. */
export class FakeAuthorizationCodeRepository extends AuthorizationCodeRepository {
  private readonly rows = new Map<string, NewAuthorizationCode>();

  /** The stored row as it is now (for the refresh-token fake and for assertions). */
  row(id: string): Readonly<NewAuthorizationCode> | undefined {
    return this.rows.get(id);
  }

  async insert(code: NewAuthorizationCode): Promise<void> {
    if (this.rows.has(code.id)) throw uniqueViolation(`authorization_code.id ${code.id}`);
    if ([...this.rows.values()].some((c) => c.code_hash === code.code_hash))
      throw uniqueViolation('authorization_code.code_hash');
    this.rows.set(code.id, { ...code });
  }

  async findByHash(codeHash: string): Promise<AuthorizationCodeEntity | null> {
    const code = [...this.rows.values()].find((c) => c.code_hash === codeHash);
    return code ? without(code, 'code_hash') : null;
  }

  async deleteUnused(userId: string, clientId: string): Promise<void> {
    for (const [id, code] of this.rows)
      if (code.user_id === userId && code.client_id === clientId && code.used_at === null) this.rows.delete(id);
  }

  /** REDEEM_CODE (refresh-token.sql.ts): marks an unused code used by `familyId`; false when it was used already. */
  redeem(id: string, now: number, familyId: string): boolean {
    const code = this.rows.get(id);
    if (!code || code.used_at !== null) return false;
    this.rows.set(id, { ...code, used_at: now, family_id: familyId });
    return true;
  }
}
