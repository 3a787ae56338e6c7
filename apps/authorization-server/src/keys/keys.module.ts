import { Module } from '@nestjs/common';
import { AccessTokenVerifier } from './access-token-verifier.service.js';
import { SigningKeysService } from './signing-keys.service.js';

@Module({ providers: [SigningKeysService, AccessTokenVerifier], exports: [SigningKeysService, AccessTokenVerifier] })
export class KeysModule {}
