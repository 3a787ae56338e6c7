import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { AccessTokenVerifier } from '#bearer';
import { accessTokenVerifierProvider } from './access-token-verifier.provider.js';
import { SigningKeySync } from './signing-key-sync.js';
import { SigningKeyStore } from './signing-key.store.js';
import { SigningKeysService } from './signing-keys.service.js';

@Module({
  imports: [AuditModule, RedisModule],
  providers: [SigningKeyStore, SigningKeysService, SigningKeySync, accessTokenVerifierProvider],
  exports: [SigningKeysService, SigningKeySync, AccessTokenVerifier],
})
export class KeysModule {}
