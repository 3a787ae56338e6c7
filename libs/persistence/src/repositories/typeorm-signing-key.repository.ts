import { type EntityManager, In, Not, type Repository } from 'typeorm';
import { SigningKeyEntity } from '../entities/signing-key.entity.js';
import { SigningKeyRepository, type SigningKeyRow } from './signing-key.repository.js';

const OLDEST_FIRST = { created_at: 'ASC', kid: 'ASC' } as const;

export class TypeOrmSigningKeyRepository extends SigningKeyRepository {
  private readonly keys: Repository<SigningKeyEntity>;

  constructor(manager: EntityManager) {
    super();
    this.keys = manager.getRepository(SigningKeyEntity);
  }

  findActive(): Promise<SigningKeyEntity | null> {
    return this.keys.findOneBy({ status: 'active' });
  }

  findWithPrivate(kid: string): Promise<SigningKeyRow | null> {
    return this.keys
      .createQueryBuilder('k')
      .addSelect('k.private_jwk')
      .where({ kid })
      .getOne() as Promise<SigningKeyRow | null>;
  }

  findAllWithPrivate(): Promise<SigningKeyRow[]> {
    return this.keys.createQueryBuilder('k').addSelect('k.private_jwk').getMany() as Promise<SigningKeyRow[]>;
  }

  findAll(): Promise<SigningKeyEntity[]> {
    return this.keys.find({ order: OLDEST_FIRST });
  }

  findNext(alg: string): Promise<SigningKeyEntity[]> {
    return this.keys.find({ where: { status: 'next', alg }, order: OLDEST_FIRST });
  }

  findPublishable(): Promise<SigningKeyEntity[]> {
    return this.keys.find({ where: { status: In(['next', 'active', 'retiring']) }, order: OLDEST_FIRST });
  }

  async insert(row: SigningKeyRow): Promise<void> {
    await this.keys.insert(row);
  }

  async replacePrivate(kid: string, previous: string, next: string): Promise<boolean> {
    const result = await this.keys.update({ kid, private_jwk: previous }, { private_jwk: next });
    return result.affected === 1;
  }

  async demote(kid: string, now: number, retireAfter: number): Promise<boolean> {
    const result = await this.keys.update(
      { kid, status: 'active' },
      { status: 'retiring', retired_at: now, retire_after: retireAfter },
    );
    return result.affected === 1;
  }

  async promote(kid: string, now: number): Promise<boolean> {
    const result = await this.keys.update({ kid, status: 'next' }, { status: 'active', activated_at: now });
    return result.affected === 1;
  }

  async retireNextExcept(alg: string, now: number): Promise<void> {
    await this.keys.update(
      { status: 'next', alg: Not(alg) },
      { status: 'retired', retired_at: now, retire_after: now },
    );
  }

  async sweep(now: number): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ status: 'retired' })
      .where(`status = 'retiring' AND retire_after <= :now`, { now })
      .execute();
  }
}
