import {
  ExecutionContext,
  SetMetadata,
  UseFilters,
  UseGuards,
  UsePipes,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminErrorDto } from '../common/admin-error.js';
import { AdminValidationPipe } from '../common/admin-validation.pipe.js';
import { AdminExceptionFilter } from '../common/admin-exception.filter.js';
import { ADMIN_SCOPE_KEY, AdminAuthGuard, AdminScope } from './admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';

export const ADMIN_SECURITY = 'admin_oauth2';

const validation = new AdminValidationPipe();

/**
 * Protects an admin route and documents exactly that protection: the guard, the OAuth2 security
 * requirement with the scope, and the 401/403 answers come from this one decorator.
 */
export function AdminRoute(scope: AdminScope = AdminScope.Write) {
  return applyDecorators(
    SetMetadata(ADMIN_SCOPE_KEY, scope),
    UseGuards(AdminAuthGuard),
    UseFilters(AdminExceptionFilter),
    UsePipes(validation),
    ApiSecurity(ADMIN_SECURITY, scope === AdminScope.Read ? [AdminScope.Read] : [AdminScope.Write]),
    ApiUnauthorizedResponse({ type: AdminErrorDto, description: 'No valid access token (WWW-Authenticate: Bearer)' }),
    ApiForbiddenResponse({ type: AdminErrorDto, description: `The access token lacks the ${scope} scope` }),
  );
}

/** The authenticated admin caller. */
export const Admin = createParamDecorator(
  (_: unknown, context: ExecutionContext): AdminPrincipal =>
    context.switchToHttp().getRequest<{ admin: AdminPrincipal }>().admin,
);

/** The audit actor name of an admin caller. */
export const actorOf = (admin: AdminPrincipal): string => `admin:${admin.clientId}`;
