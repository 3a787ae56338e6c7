import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module.js';
import { TokenModule } from '../token/token.module.js';
import { WellKnownController } from './well-known.controller.js';

@Module({ imports: [KeysModule, TokenModule], controllers: [WellKnownController] })
export class WellKnownModule {}
