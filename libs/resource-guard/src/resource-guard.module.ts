import { type DynamicModule, Module } from '@nestjs/common';
import { AccessTokenVerifier, RemoteKeysAccessTokenVerifier } from '#bearer';
import { AccessTokenGuard } from './access-token.guard.js';
import {
  RESOURCE_GUARD_OPTIONS,
  type ResolvedResourceGuardOptions,
  type ResourceGuardOptions,
  resolveOptions,
} from './resource-guard.options.js';

/**
 * Protects a resource server's routes with access tokens of one authorization server.
 * Global: @RequireScopes() works in every module of the app.
 */
@Module({})
export class ResourceGuardModule {
  static forRoot(options: ResourceGuardOptions): DynamicModule {
    return {
      module: ResourceGuardModule,
      global: true,
      providers: [
        { provide: RESOURCE_GUARD_OPTIONS, useValue: resolveOptions(options) },
        {
          provide: AccessTokenVerifier,
          inject: [RESOURCE_GUARD_OPTIONS],
          useFactory: (resolved: ResolvedResourceGuardOptions) => new RemoteKeysAccessTokenVerifier(resolved),
        },
        AccessTokenGuard,
      ],
      exports: [RESOURCE_GUARD_OPTIONS, AccessTokenVerifier, AccessTokenGuard],
    };
  }
}
