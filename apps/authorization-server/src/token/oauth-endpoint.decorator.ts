import {
  type CanActivate,
  Controller,
  Header,
  HttpCode,
  Post,
  type Type,
  UseFilters,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FormBodyGuard, OAuthExceptionFilter } from '#oauth';
import { ClientAuthGuard } from '../clients/client-auth.guard.js';
import { ClientRateLimitGuard, TokenRateLimitGuard } from '../rate-limit/token-rate-limit.guard.js';
import { OAuthErrorDto } from './dto/oauth-docs.dto.js';

/** A controller of OAuth endpoints under /oauth: errors rendered as RFC 6749 5.2 JSON. */
export function OAuthController() {
  return applyDecorators(ApiTags('oauth'), Controller('oauth'), UseFilters(OAuthExceptionFilter));
}

export interface OAuthEndpointOptions {
  /** The path under /oauth. */
  path: string;
  summary: string;
  /** The form the endpoint takes (application/x-www-form-urlencoded), for the OpenAPI document. */
  form: Type<unknown>;
  /** The 200 answer: its body's type, if any, and what it means. */
  ok: { type?: Type<unknown>; description: string };
  /** What a 400 says, when more than the DTO. */
  badRequest?: string;
  /** What a 401 means here. */
  unauthorized: string;
  /** The guard that says who may call: client authentication unless given. */
  caller?: Type<CanActivate>;
  /** Guards that run once the caller is known and within its rate limit. */
  then?: Type<CanActivate>[];
}

/**
 * A form-posting OAuth endpoint, as RFC 6749 3.2 and its extensions have them: POST, 200, never cached
 * (5.1's Cache-Control and Pragma), the form parser, the per-address limit, the caller's
 * authentication, the per-client limit, then the endpoint's own guards; and the OpenAPI description of
 * all of that. The token, device authorization, revocation and introspection endpoints share it.
 */
export function OAuthEndpoint(options: OAuthEndpointOptions) {
  return applyDecorators(
    Post(options.path),
    HttpCode(200),
    Header('Cache-Control', 'no-store'),
    Header('Pragma', 'no-cache'),
    UseGuards(
      FormBodyGuard,
      TokenRateLimitGuard,
      options.caller ?? ClientAuthGuard,
      ClientRateLimitGuard,
      ...(options.then ?? []),
    ),
    ApiOperation({ summary: options.summary }),
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBasicAuth(),
    ApiBody({ type: options.form }),
    ApiOkResponse(options.ok),
    ApiBadRequestResponse({
      type: OAuthErrorDto,
      ...(options.badRequest === undefined ? {} : { description: options.badRequest }),
    }),
    ApiUnauthorizedResponse({ type: OAuthErrorDto, description: options.unauthorized }),
  );
}
