import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { UsersModule } from '../users/users.module.js';
import { GRANT_HANDLERS, GrantHandler } from './grant-handler.js';
import { GrantHandlerRegistry } from './grant-handler.registry.js';
import { ClientCredentialsGrant } from './grants/client-credentials.grant.js';
import { PasswordGrant } from './grants/password.grant.js';
import { RefreshTokenGrant } from './grants/refresh-token.grant.js';
import { TokenIssuer } from './token-issuer.service.js';
import { TokenController } from './token.controller.js';

const GRANTS = [ClientCredentialsGrant, PasswordGrant, RefreshTokenGrant];

@Module({
  imports: [ClientsModule, UsersModule, KeysModule],
  controllers: [TokenController],
  providers: [
    TokenIssuer,
    GrantHandlerRegistry,
    ...GRANTS,
    { provide: GRANT_HANDLERS, inject: GRANTS, useFactory: (...handlers: GrantHandler[]) => handlers },
  ],
  exports: [GrantHandlerRegistry, TokenIssuer],
})
export class TokenModule {}
