import { Controller, Get, type INestApplication, type LoggerService, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AccessTokenClaims } from '#bearer';
import { AccessTokenGuard } from '../access-token.guard.js';
import { RequireScopes } from '../require-scopes.decorator.js';
import { ResourceGuardModule } from '../resource-guard.module.js';
import type { ResourceGuardOptions } from '../resource-guard.options.js';
import { TokenClaims } from '../token-claims.decorator.js';

@Controller()
class ProbeController {
  @Get('read')
  @RequireScopes('read')
  read(@TokenClaims() claims: AccessTokenClaims): AccessTokenClaims {
    return claims;
  }

  @Get('read-write')
  @RequireScopes('read', 'write')
  readWrite(@TokenClaims('sub') sub: string): { sub: string } {
    return { sub };
  }

  @Get('any-token')
  @UseGuards(AccessTokenGuard)
  anyToken(@TokenClaims('client_id') clientId: string): { client_id: string } {
    return { client_id: clientId };
  }

  @Get('open')
  open(): { open: true } {
    return { open: true };
  }
}

@Module({})
class ProbeModule {}

/** A listening app whose routes are guarded with `options`, for the specs of this library. */
export async function startGuardedApp(
  options: ResourceGuardOptions,
  logger: LoggerService | false = false,
): Promise<INestApplication> {
  const app = await NestFactory.create(
    { module: ProbeModule, imports: [ResourceGuardModule.forRoot(options)], controllers: [ProbeController] },
    { logger },
  );
  await app.listen(0, '127.0.0.1');
  return app;
}
