import type { SigningKeyEntity } from '../entities/signing-key.entity.js';
import { SigningKeyRepository, type SigningKeyRow } from '../repositories/signing-key.repository.js';
import { uniqueViolation, without } from './in-memory-table.js';

const PUBLISHABLE = ['next', 'active', 'retiring'];

/** The signing_key table in memory, with its one-active-key index and its conditional updates. */
export class FakeSigningKeyRepository extends SigningKeyRepository {
  private readonly rows = new Map<string, SigningKeyRow>();

  async findActive(): Promise<SigningKeyEntity | null> {
    return this.select((k) => k.status === 'active')[0] ?? null;
  }

  async findWithPrivate(kid: string): Promise<SigningKeyRow | null> {
    const row = this.rows.get(kid);
    return row ? { ...row } : null;
  }

  async findAllWithPrivate(): Promise<SigningKeyRow[]> {
    return [...this.rows.values()].map((k) => ({ ...k }));
  }

  async findAll(): Promise<SigningKeyEntity[]> {
    return this.select(() => true);
  }

  async findNext(alg: string): Promise<SigningKeyEntity[]> {
    return this.select((k) => k.status === 'next' && k.alg === alg);
  }

  async findPublishable(): Promise<SigningKeyEntity[]> {
    return this.select((k) => PUBLISHABLE.includes(k.status));
  }

  async insert(row: SigningKeyRow): Promise<void> {
    if (this.rows.has(row.kid)) throw uniqueViolation(`signing_key.kid ${row.kid}`);
    if (row.status === 'active' && (await this.findActive())) throw uniqueViolation('signing_key one active key');
    this.rows.set(row.kid, { ...row });
  }

  async replacePrivate(kid: string, previous: string, next: string): Promise<boolean> {
    return this.change(kid, (k) => k.private_jwk === previous, { private_jwk: next });
  }

  async demote(kid: string, now: number, retireAfter: number): Promise<boolean> {
    return this.change(kid, (k) => k.status === 'active', {
      status: 'retiring',
      retired_at: now,
      retire_after: retireAfter,
    });
  }

  async promote(kid: string, now: number): Promise<boolean> {
    if (await this.findActive()) throw uniqueViolation('signing_key one active key');
    return this.change(kid, (k) => k.status === 'next', { status: 'active', activated_at: now });
  }

  async retireNextExcept(alg: string, now: number): Promise<void> {
    for (const key of this.rows.values())
      if (key.status === 'next' && key.alg !== alg)
        this.change(key.kid, () => true, { status: 'retired', retired_at: now, retire_after: now });
  }

  async sweep(now: number): Promise<void> {
    for (const key of this.rows.values())
      if (key.status === 'retiring' && (key.retire_after ?? Infinity) <= now)
        this.change(key.kid, () => true, { status: 'retired' });
  }

  /** Oldest first, without the private half. */
  private select(where: (key: SigningKeyRow) => boolean): SigningKeyEntity[] {
    return [...this.rows.values()]
      .filter(where)
      .sort((a, b) => a.created_at - b.created_at || a.kid.localeCompare(b.kid))
      .map((k) => without(k, 'private_jwk'));
  }

  private change(kid: string, when: (key: SigningKeyRow) => boolean, changes: Partial<SigningKeyRow>): boolean {
    const key = this.rows.get(kid);
    if (!key || !when(key)) return false;
    this.rows.set(kid, { ...key, ...changes });
    return true;
  }
}
