import { Module } from '@nestjs/common';
import { DpopModule } from '../dpop/dpop.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { UsersModule } from '../users/users.module.js';
import { TokenStanding } from './token-standing.service.js';

/** Access tokens judged on today's state of their client and user (TokenStanding), and their DPoP proofs (DpopModule). */
@Module({
  imports: [ClientsModule, UsersModule, KeysModule, DpopModule],
  providers: [TokenStanding],
  exports: [TokenStanding, DpopModule],
})
export class BearerModule {}
