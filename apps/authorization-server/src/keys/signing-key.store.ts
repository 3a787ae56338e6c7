import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, Not, Repository } from 'typeorm';
import { AuditEventEntity, type AuditRecord, SigningKeyEntity, isUniqueViolation } from '#persistence';
import { CLIENT_POLICY_DEFAULTS } from '../clients/client-defaults.js';

/** A stored key with its private half (as stored: an envelope or, without a key-encryption key, a JWK). */
export type SigningKeyRow = SigningKeyEntity & { private_jwk: string };

export interface RotationPlan {
  alg: string;
  /** Read after the next keys are: a key another instance just published is never newer than `now`. */
  clock: () => number;
  /** A `next` key must have been published this long before it signs. */
  publishAheadMs: number;
  /** The schedule: rotate only when the active key has signed this long, judged inside the transaction. */
  minActiveMs?: number;
  /** Added to the longest access-token lifetime: how long the old key stays published. */
  retireMarginMs: number;
  /** Stored as the new `next` key when none of `alg` is left. */
  fresh: SigningKeyRow;
  audit: (previous: string, active: string) => AuditRecord;
}

export type RotationOutcome =
  | { rotated: true; previous: string; active: string }
  | { rotated: false; reason: 'not_ready'; activatableAt: number }
  | { rotated: false; reason: 'concurrent' | 'not_due' };

/** The signing_key table: every state change is a conditional update, so instances agree on the one active key. */
@Injectable()
export class SigningKeyStore {
  constructor(
    @InjectRepository(SigningKeyEntity) private readonly keys: Repository<SigningKeyEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  active(): Promise<SigningKeyEntity | null> {
    return this.keys.findOneBy({ status: 'active' });
  }

  withPrivate(kid: string): Promise<SigningKeyRow | null> {
    return this.keys
      .createQueryBuilder('k')
      .addSelect('k.private_jwk')
      .where({ kid })
      .getOne() as Promise<SigningKeyRow | null>;
  }

  allWithPrivate(): Promise<SigningKeyRow[]> {
    return this.keys.createQueryBuilder('k').addSelect('k.private_jwk').getMany() as Promise<SigningKeyRow[]>;
  }

  all(): Promise<SigningKeyEntity[]> {
    return this.keys.find({ order: { created_at: 'ASC', kid: 'ASC' } });
  }

  /** `next` keys of an algorithm, oldest first. */
  nextKeys(alg: string): Promise<SigningKeyEntity[]> {
    return this.keys.find({ where: { status: 'next', alg }, order: { created_at: 'ASC', kid: 'ASC' } });
  }

  /** Rewrites a private key's stored form, unless another instance did first. */
  async replacePrivate(kid: string, previous: string, next: string): Promise<boolean> {
    const result = await this.keys.update({ kid, private_jwk: previous }, { private_jwk: next });
    return result.affected === 1;
  }

  /** Stores a key; false when it would be a second active key (another instance stored one first). */
  async insert(row: SigningKeyRow): Promise<boolean> {
    try {
      await this.keys.insert(row);
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** Retiring keys whose tokens have all expired become `retired` (they already left the JWKS). */
  async sweep(now: number): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ status: 'retired' })
      .where(`status = 'retiring' AND retire_after <= :now`, { now })
      .execute();
  }

  /**
   * Promotes the oldest `next` key of plan.alg published at least publishAheadMs ago, and demotes the
   * active key to `retiring` with a conditional update: of two instances rotating at once, one changes
   * the row and the other finds it changed (`concurrent`) and changes nothing.
   */
  rotate(plan: RotationPlan): Promise<RotationOutcome> {
    return this.dataSource
      .transaction(async (m): Promise<RotationOutcome> => {
        const keys = m.getRepository(SigningKeyEntity);
        const candidates = await keys.find({
          where: { status: 'next', alg: plan.alg },
          order: { created_at: 'ASC', kid: 'ASC' },
        });
        const now = plan.clock();
        const ready = candidates.find((k) => k.created_at + plan.publishAheadMs <= now);
        if (!ready) {
          if (candidates.length === 0) await keys.insert(plan.fresh);
          const publishedAt = candidates[0]?.created_at ?? now;
          return { rotated: false, reason: 'not_ready', activatableAt: publishedAt + plan.publishAheadMs };
        }
        const active = await keys.findOneBy({ status: 'active' });
        // Another instance may have rotated since the caller looked: the schedule is checked on what is stored.
        if (plan.minActiveMs !== undefined && (active?.activated_at ?? 0) + plan.minActiveMs > now) {
          return { rotated: false, reason: 'not_due' };
        }
        const retireAfter = now + (await longestAccessTokenLifetimeMs(m)) + plan.retireMarginMs;
        if (active) {
          const demoted = await keys.update(
            { kid: active.kid, status: 'active' },
            { status: 'retiring', retired_at: now, retire_after: retireAfter },
          );
          if (demoted.affected !== 1) return { rotated: false, reason: 'concurrent' };
        }
        const promoted = await keys.update({ kid: ready.kid, status: 'next' }, { status: 'active', activated_at: now });
        if (promoted.affected !== 1) throw new ConcurrentRotation();
        // Next keys of another algorithm (SIGNING_ALG changed) never signed: they leave the JWKS at once.
        await keys.update(
          { status: 'next', alg: Not(plan.alg) },
          { status: 'retired', retired_at: now, retire_after: now },
        );
        if (candidates.length === 1) await keys.insert(plan.fresh);
        await m.getRepository(AuditEventEntity).insert(plan.audit(active?.kid ?? '', ready.kid));
        return { rotated: true, previous: active?.kid ?? '', active: ready.kid };
      })
      .catch((e: unknown) => {
        // The loser of a race: the active-key index refused a second active key, or the promoted row moved.
        if (e instanceof ConcurrentRotation || isUniqueViolation(e))
          return { rotated: false, reason: 'concurrent' } as const;
        throw e;
      });
  }

  /** Keys served in the JWKS at `now`: next, active, and retiring ones whose tokens may still be alive. */
  async published(now: number): Promise<SigningKeyEntity[]> {
    const rows = await this.keys.find({
      where: { status: In(['next', 'active', 'retiring']) },
      order: { created_at: 'ASC', kid: 'ASC' },
    });
    return rows.filter((r) => r.status !== 'retiring' || (r.retire_after ?? 0) > now);
  }
}

class ConcurrentRotation extends Error {}

/** The longest access_token_lifetime of any client (ms): every token a key signed has expired that long after. */
async function longestAccessTokenLifetimeMs(m: EntityManager): Promise<number> {
  const [row] = (await m.query('SELECT MAX(access_token_lifetime) AS longest FROM oauth_client')) as {
    longest: number | string | null;
  }[];
  return Number(row?.longest ?? CLIENT_POLICY_DEFAULTS.access_token_lifetime) * 1000;
}
