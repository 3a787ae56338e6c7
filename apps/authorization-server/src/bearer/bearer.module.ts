import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { UsersModule } from '../users/users.module.js';
import { TokenStanding } from './token-standing.service.js';

/** Access tokens judged on today's state of their client and user (TokenStanding). */
@Module({ imports: [ClientsModule, UsersModule, KeysModule], providers: [TokenStanding], exports: [TokenStanding] })
export class BearerModule {}
