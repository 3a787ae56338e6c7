import { BearerModule } from '../bearer/bearer.module.js';
import { Module } from '@nestjs/common';
import { DpopModule } from '../dpop/dpop.module.js';
import { DpopProofGuard } from './dpop-proof.guard.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { UsersModule } from '../users/users.module.js';
import { GRANT_HANDLERS, GrantHandler } from './grant-handler.js';
import { GrantHandlerRegistry } from './grant-handler.registry.js';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant.js';
import { ClientCredentialsGrant } from './grants/client-credentials.grant.js';
import { DeviceCodeGrant } from './grants/device-code.grant.js';
import { PasswordGrant } from './grants/password.grant.js';
import { RefreshTokenGrant } from './grants/refresh-token.grant.js';
import { TokenIssuer } from './token-issuer.service.js';
import { IntrospectionCallerGuard } from './introspection-caller.guard.js';
import { IntrospectionService } from './introspection.service.js';
import { RevocationController } from './revocation.controller.js';
import { TokenRevocationService } from './token-revocation.service.js';
import { TokenLookup } from './token-lookup.service.js';
import { TokenController } from './token.controller.js';
import { DeviceAuthorizationController } from './device-authorization.controller.js';
import { DeviceAuthorizationRequestService } from './device-authorization-request.service.js';

const GRANTS = [AuthorizationCodeGrant, ClientCredentialsGrant, PasswordGrant, RefreshTokenGrant, DeviceCodeGrant];

@Module({
  imports: [
    ClientsModule,
    UsersModule,
    KeysModule,
    AuditModule,
    AuthorizationModule,
    RateLimitModule,
    BearerModule,
    RevocationModule,
    DpopModule,
  ],
  controllers: [TokenController, RevocationController, DeviceAuthorizationController],
  providers: [
    TokenIssuer,
    TokenLookup,
    TokenRevocationService,
    IntrospectionService,
    IntrospectionCallerGuard,
    DpopProofGuard,
    GrantHandlerRegistry,
    DeviceAuthorizationRequestService,
    ...GRANTS,
    { provide: GRANT_HANDLERS, inject: GRANTS, useFactory: (...handlers: GrantHandler[]) => handlers },
  ],
  exports: [GrantHandlerRegistry, TokenIssuer],
})
export class TokenModule {}
