import {
  Controller,
  ExecutionContext,
  HttpCode,
  SetMetadata,
  type Type,
  UseFilters,
  UseGuards,
  UsePipes,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminErrorDto } from '../common/admin-error.js';
import { AdminValidationPipe } from '../common/admin-validation.pipe.js';
import { AdminExceptionFilter } from '../common/admin-exception.filter.js';
import { ADMIN_SCOPE_KEY, AdminAuthGuard, AdminScope } from './admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';

export const ADMIN_SECURITY = 'admin_oauth2';

const validation = new AdminValidationPipe();

/** An admin controller under `path`, grouped in Swagger UI under `tag`; every route may answer 400. */
export function AdminController(path: string, tag: string) {
  return applyDecorators(
    ApiTags(tag),
    ApiBadRequestResponse({
      type: AdminErrorDto,
      description:
        'Invalid parameters, or malformed Bearer credentials (WWW-Authenticate: Bearer error="invalid_request", RFC 6750 3.1)',
    }),
    Controller(path),
  );
}

export interface AdminRouteOptions {
  /** The scope the caller's token must hold; `admin` (write) unless given. */
  scope?: AdminScope;
  summary: string;
  /** A 200 answer with this body (also for a POST). */
  ok?: Type<unknown>;
  /** A 201 answer with this body. */
  created?: Type<unknown>;
  /** A 204 answer, described so. */
  noContent?: string;
  /** The route answers 404 for an unknown id; a string describes when. */
  notFound?: boolean | string;
}

/**
 * Protects an admin route and documents exactly that protection and its answers: the guard, the
 * OAuth2 security requirement with the scope, the status code, and the 2xx/401/403/404 answers come
 * from this one decorator.
 */
export function AdminRoute(options: AdminRouteOptions) {
  const scope = options.scope ?? AdminScope.Write;
  const decorators = [
    SetMetadata(ADMIN_SCOPE_KEY, scope),
    UseGuards(AdminAuthGuard),
    UseFilters(AdminExceptionFilter),
    UsePipes(validation),
    ApiSecurity(ADMIN_SECURITY, scope === AdminScope.Read ? [AdminScope.Read] : [AdminScope.Write]),
    ApiOperation({ summary: options.summary }),
    ApiUnauthorizedResponse({ type: AdminErrorDto, description: 'No valid access token (WWW-Authenticate: Bearer)' }),
    ApiForbiddenResponse({ type: AdminErrorDto, description: `The access token lacks the ${scope} scope` }),
  ];
  if (options.ok !== undefined) decorators.push(HttpCode(200), ApiOkResponse({ type: options.ok }));
  if (options.created !== undefined) decorators.push(HttpCode(201), ApiCreatedResponse({ type: options.created }));
  if (options.noContent !== undefined)
    decorators.push(HttpCode(204), ApiNoContentResponse({ description: options.noContent }));
  if (options.notFound !== undefined && options.notFound !== false)
    decorators.push(
      ApiNotFoundResponse({
        type: AdminErrorDto,
        ...(typeof options.notFound === 'string' ? { description: options.notFound } : {}),
      }),
    );
  return applyDecorators(...decorators);
}

/** The authenticated admin caller. */
export const Admin = createParamDecorator(
  (_: unknown, context: ExecutionContext): AdminPrincipal =>
    context.switchToHttp().getRequest<{ admin: AdminPrincipal }>().admin,
);

/** The audit actor name of an admin caller. */
export const actorOf = (admin: AdminPrincipal): string => `admin:${admin.clientId}`;
