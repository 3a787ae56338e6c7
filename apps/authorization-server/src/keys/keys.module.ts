import { Module } from '@nestjs/common';
import { SigningKeysService } from './signing-keys.service.js';

@Module({ providers: [SigningKeysService], exports: [SigningKeysService] })
export class KeysModule {}
