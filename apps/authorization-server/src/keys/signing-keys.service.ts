import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { IsNull, Repository } from 'typeorm';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { SigningKeyEntity } from '#persistence';

import { JwsSigner } from './jws-signer.js';

/** RFC 9068 2.1: the media type of JWT access tokens. */
const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * Access-token signing keys live in the database, so restarts and every instance sign with
 * the same key and publish the same JWKS. The first start generates one. Instances racing on
 * an empty table may each insert a key; all then sign with the oldest, and both are published.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private active?: JwsSigner;

  constructor(
    @InjectRepository(SigningKeyEntity) private readonly keys: Repository<SigningKeyEntity>,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!(await this.oldestActive())) await this.generate();
    const row = await this.oldestActive();
    if (!row) throw new Error('no signing key could be stored');
    this.active = new JwsSigner(row.kid, row.alg, JSON.parse(row.private_jwk) as JWK, ACCESS_TOKEN_TYP);
  }

  /** Signs access tokens with the oldest active key. */
  accessTokenSigner(): JwsSigner {
    if (!this.active) throw new Error('signing keys are not loaded');
    return this.active;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.keys.find({ order: { created_at: 'ASC', kid: 'ASC' } });
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
  }

  private oldestActive(): Promise<SigningKeyEntity | null> {
    return this.keys
      .createQueryBuilder('k')
      .addSelect('k.private_jwk')
      .where({ retired_at: IsNull() })
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.kid', 'ASC')
      .getOne();
  }

  private async generate(): Promise<void> {
    const alg = this.config.signingAlg;
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    await this.keys.insert({
      kid,
      alg,
      private_jwk: JSON.stringify({ ...privateJwk, kid, alg }),
      public_jwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
      created_at: this.clock.now(),
      retired_at: null,
    });
  }
}
