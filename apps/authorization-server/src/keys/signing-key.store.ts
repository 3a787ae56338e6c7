import { Injectable } from '@nestjs/common';
import {
  type AuditRecord,
  type SigningKeyEntity,
  SigningKeyRepository,
  type SigningKeyRow,
  TransactionRunner,
  isUniqueViolation,
} from '#persistence';
import { CLIENT_POLICY_DEFAULTS } from '../clients/client-defaults.js';

export type { SigningKeyRow } from '#persistence';

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

/** The signing keys' life cycle over SigningKeyRepository: the rotation is one transaction of conditional updates. */
@Injectable()
export class SigningKeyStore {
  constructor(
    private readonly keys: SigningKeyRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  active(): Promise<SigningKeyEntity | null> {
    return this.keys.findActive();
  }

  withPrivate(kid: string): Promise<SigningKeyRow | null> {
    return this.keys.findWithPrivate(kid);
  }

  allWithPrivate(): Promise<SigningKeyRow[]> {
    return this.keys.findAllWithPrivate();
  }

  all(): Promise<SigningKeyEntity[]> {
    return this.keys.findAll();
  }

  /** `next` keys of an algorithm, oldest first. */
  nextKeys(alg: string): Promise<SigningKeyEntity[]> {
    return this.keys.findNext(alg);
  }

  /** Rewrites a private key's stored form, unless another instance did first. */
  replacePrivate(kid: string, previous: string, next: string): Promise<boolean> {
    return this.keys.replacePrivate(kid, previous, next);
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
    await this.keys.sweep(now);
  }

  /**
   * Promotes the oldest `next` key of plan.alg published at least publishAheadMs ago, and demotes the
   * active key to `retiring` with a conditional update: of two instances rotating at once, one changes
   * the row and the other finds it changed (`concurrent`) and changes nothing.
   */
  rotate(plan: RotationPlan): Promise<RotationOutcome> {
    return this.transactions
      .run(async ({ signingKeys: keys, clients, auditEvents }): Promise<RotationOutcome> => {
        const candidates = await keys.findNext(plan.alg);
        const now = plan.clock();
        const ready = candidates.find((k) => k.created_at + plan.publishAheadMs <= now);
        if (!ready) {
          if (candidates.length === 0) await keys.insert(plan.fresh);
          const publishedAt = candidates[0]?.created_at ?? now;
          return { rotated: false, reason: 'not_ready', activatableAt: publishedAt + plan.publishAheadMs };
        }
        const active = await keys.findActive();
        // Another instance may have rotated since the caller looked: the schedule is checked on what is stored.
        if (plan.minActiveMs !== undefined && (active?.activated_at ?? 0) + plan.minActiveMs > now) {
          return { rotated: false, reason: 'not_due' };
        }
        // Every token a key signed has expired the longest access_token_lifetime of any client after it stopped.
        const longest = (await clients.longestAccessTokenLifetime()) ?? CLIENT_POLICY_DEFAULTS.access_token_lifetime;
        const retireAfter = now + longest * 1000 + plan.retireMarginMs;
        if (active && !(await keys.demote(active.kid, now, retireAfter)))
          return { rotated: false, reason: 'concurrent' };
        if (!(await keys.promote(ready.kid, now))) throw new ConcurrentRotation();
        // Next keys of another algorithm (SIGNING_ALG changed) never signed: they leave the JWKS at once.
        await keys.retireNextExcept(plan.alg, now);
        if (candidates.length === 1) await keys.insert(plan.fresh);
        await auditEvents.insert(plan.audit(active?.kid ?? '', ready.kid));
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
    const rows = await this.keys.findPublishable();
    return rows.filter((r) => r.status !== 'retiring' || (r.retire_after ?? 0) > now);
  }
}

class ConcurrentRotation extends Error {}
