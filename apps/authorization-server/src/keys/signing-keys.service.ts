import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { JWK } from 'jose';
import { Clock, signingKeysConfig, type SigningKeysConfig } from '#config';
import type { AuditRecord, SigningKeyEntity } from '#persistence';
import { JwsSigner } from './jws-signer.js';
import { KeyEncryption } from './key-encryption.js';
import { generateSigningKey } from './key-generator.js';
import { type RotationOutcome, type SigningKeyRow, SigningKeyStore } from './signing-key.store.js';

/** RFC 9068 2.1: the media type of JWT access tokens. */
const ACCESS_TOKEN_TYP = 'at+jwt';
/** RFC 8417 2.3: the media type of Security Event Tokens. */
const SECURITY_EVENT_TYP = 'secevent+jwt';

/** Kept on top of the longest access-token lifetime before a retired key leaves the JWKS (clock skew, slow instances). */
export const RETIRE_MARGIN_SECONDS = 300;

/**
 * Access-token signing keys live in the database, so restarts and every instance sign with the same
 * key and publish the same JWKS. The row with status `active` signs; this instance keeps it in memory
 * as a JwsSigner (no database read per token) and reloads it when told of a rotation (SigningKeySync).
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private signer?: JwsSigner;
  private setSigner?: JwsSigner;
  /** Moves whenever this instance learns of a rotation: key sets read earlier are out of date. */
  private keysVersion = 0;
  private readonly logger = new Logger('SigningKeys');
  private readonly encryption: KeyEncryption;

  constructor(
    private readonly store: SigningKeyStore,
    @Inject(signingKeysConfig.KEY) private readonly config: SigningKeysConfig,
    private readonly clock: Clock,
  ) {
    this.encryption = new KeyEncryption(config.keyEncryptionKey, config.previousKeyEncryptionKey);
  }

  async onModuleInit(): Promise<void> {
    await this.secureStoredKeys();
    if (!(await this.store.active())) await this.store.insert(await this.newKey('active'));
    if ((await this.store.nextKeys(this.config.alg)).length === 0) await this.store.insert(await this.newKey('next'));
    await this.store.sweep(this.clock.now());
    if (!(await this.reload())) throw new Error('no signing key could be stored');
  }

  /** Signs access tokens with the active key. */
  accessTokenSigner(): JwsSigner {
    if (!this.signer) throw new Error('signing keys are not loaded');
    return this.signer;
  }

  /** Signs Security Event Tokens with the active key (the one that signs access tokens). */
  securityEventSigner(): JwsSigner {
    if (!this.setSigner) throw new Error('signing keys are not loaded');
    return this.setSigner;
  }

  /** Loads the active key when it changed (after a rotation anywhere); false when there is none. */
  async reload(): Promise<boolean> {
    const active = await this.store.active();
    if (!active) return false;
    if (active.kid === this.signer?.kid) return true;
    const row = await this.store.withPrivate(active.kid);
    if (!row || row.status !== 'active') return this.signer !== undefined;
    const privateJwk = JSON.parse(this.encryption.open(row.private_jwk, row.kid)) as JWK;
    this.signer = new JwsSigner(row.kid, row.alg, privateJwk, ACCESS_TOKEN_TYP);
    this.setSigner = new JwsSigner(row.kid, row.alg, privateJwk, SECURITY_EVENT_TYP);
    this.keysVersion += 1;
    return true;
  }

  /** Changes whenever the keys changed as far as this instance knows (see LocalKeysAccessTokenVerifier). */
  get version(): number {
    return this.keysVersion;
  }

  /** The active key's activation time, for the rotation schedule. */
  async activeSince(): Promise<number | null> {
    return (await this.store.active())?.activated_at ?? null;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.store.published(this.clock.now());
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
  }

  /** Every key, with its status as of now (a retiring key past retire_after is retired). */
  async list(): Promise<SigningKeyEntity[]> {
    const now = this.clock.now();
    const rows = await this.store.all();
    return rows.map((r) => (r.status === 'retiring' && (r.retire_after ?? 0) <= now ? { ...r, status: 'retired' } : r));
  }

  /** The next key becomes active and the active one retiring (see SigningKeyStore.rotate). */
  async rotate(
    audit: (previous: string, active: string) => AuditRecord,
    minActiveMs?: number,
  ): Promise<RotationOutcome> {
    const outcome = await this.store.rotate({
      alg: this.config.alg,
      minActiveMs,
      clock: () => this.clock.now(),
      publishAheadMs: this.config.publishAheadSeconds * 1000,
      retireMarginMs: RETIRE_MARGIN_SECONDS * 1000,
      fresh: await this.newKey('next'),
      audit,
    });
    if (outcome.rotated) {
      await this.store.sweep(this.clock.now());
      await this.reload();
    }
    return outcome;
  }

  get publishAheadSeconds(): number {
    return this.config.publishAheadSeconds;
  }

  private async newKey(status: 'active' | 'next'): Promise<SigningKeyRow> {
    const key = await generateSigningKey(this.config.alg);
    const now = this.clock.now();
    return {
      kid: key.kid,
      alg: key.alg,
      private_jwk: this.encryption.seal(key.privateJwk, key.kid),
      public_jwk: key.publicJwk,
      status,
      created_at: now,
      activated_at: status === 'active' ? now : null,
      retired_at: null,
      retire_after: null,
    };
  }

  /**
   * Opens every stored key with the configured key-encryption keys (a wrong or missing one stops the
   * start with a KeyConfigurationError naming the variable), encrypts keys stored in clear and
   * re-encrypts those sealed with KEY_ENCRYPTION_KEY_PREVIOUS.
   */
  private async secureStoredKeys(): Promise<void> {
    if (!this.encryption.enabled) {
      // Info, not a warning: the embedded two-command start runs this way on purpose.
      this.logger.log('KEY_ENCRYPTION_KEY is not set: signing keys are stored unencrypted in the database');
    }
    let encrypted = 0;
    let reencrypted = 0;
    for (const row of await this.store.allWithPrivate()) {
      const privateJwk = this.encryption.open(row.private_jwk, row.kid);
      if (!this.encryption.needsReseal(row.private_jwk)) continue;
      const sealed = this.encryption.seal(privateJwk, row.kid);
      if (!(await this.store.replacePrivate(row.kid, row.private_jwk, sealed))) continue;
      if (KeyEncryption.state(row.private_jwk).kind === 'plaintext') encrypted += 1;
      else reencrypted += 1;
    }
    const kek = this.encryption.currentId;
    if (encrypted > 0)
      this.logger.log(`encrypted ${encrypted} signing keys stored in clear with KEY_ENCRYPTION_KEY ${kek}`);
    if (reencrypted > 0 || this.config.previousKeyEncryptionKey)
      this.logger.log(`re-encrypted ${reencrypted} signing keys with KEY_ENCRYPTION_KEY ${kek}`);
  }
}
