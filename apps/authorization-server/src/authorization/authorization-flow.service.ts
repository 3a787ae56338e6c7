import { Inject, Injectable } from '@nestjs/common';
import { serverConfig, type ServerConfig } from '#config';
import type { UserEntity } from '#persistence';
import { ClientRegistrationService } from '../clients/client-registration.service.js';
import { AuthorizationCodesService } from './authorization-codes.service.js';
import {
  AuthorizationRedirectError,
  AuthorizationRequest,
  validateAuthorizationRequest,
} from './authorization-request.js';
import { ConsentsService } from './consents.service.js';
import { LoginThrottle } from './login-throttle.service.js';

/** What the browser is shown next. */
export type FlowStep =
  | {
      kind: 'login';
      request: AuthorizationRequest;
      error?: string;
      username?: string;
      status?: number;
      retryAfter?: number;
    }
  | { kind: 'consent'; request: AuthorizationRequest; user: UserEntity }
  | { kind: 'redirect'; location: string }
  | { kind: 'signed-in'; user: UserEntity; request: AuthorizationRequest };

/** RFC 6749 4.1 with RFC 7636 PKCE and RFC 9207 `iss`: from request to code. */
@Injectable()
export class AuthorizationFlowService {
  constructor(
    private readonly clients: ClientRegistrationService,
    private readonly consents: ConsentsService,
    private readonly codes: AuthorizationCodesService,
    private readonly throttle: LoginThrottle,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
  ) {}

  /** Validates the request; errors after the redirect URI is trusted are redirects. */
  async request(query: string): Promise<AuthorizationRequest> {
    const clientId = new URLSearchParams(query).getAll('client_id');
    const client = clientId.length === 1 && clientId[0].length <= 200 ? await this.clients.findById(clientId[0]) : null;
    return validateAuthorizationRequest(query, () => client);
  }

  /** After sign-in (or with a live session): consent, or straight to the code. */
  async proceed(request: AuthorizationRequest, user: UserEntity): Promise<FlowStep> {
    const skip =
      request.client.first_party || (await this.consents.covers(user.id, request.client.client_id, request.scope));
    if (!skip) return { kind: 'consent', request, user };
    return { kind: 'redirect', location: await this.codeRedirect(request, user) };
  }

  async login(request: AuthorizationRequest, username: string, password: string, address: string): Promise<FlowStep> {
    const { user, retryAfter } = await this.throttle.verifyCredentials(username, password, address);
    if (retryAfter > 0) {
      return {
        kind: 'login',
        request,
        username,
        status: 429,
        retryAfter,
        error: 'Too many failed attempts. Try again later.',
      };
    }
    if (!user) return { kind: 'login', request, username, status: 401, error: 'Wrong username or password.' };
    return { kind: 'signed-in', user, request };
  }

  async decide(request: AuthorizationRequest, user: UserEntity, allow: boolean, remember: boolean): Promise<string> {
    if (!allow)
      return this.errorRedirect(
        new AuthorizationRedirectError(request.redirectUri, 'access_denied', 'the user denied access', request.state),
      );
    if (remember) await this.consents.remember(user.id, request.client.client_id, request.scope);
    return this.codeRedirect(request, user);
  }

  /** RFC 6749 4.1.2.1 with RFC 9207 iss. */
  errorRedirect(e: AuthorizationRedirectError): string {
    return withParams(e.redirectUri, {
      error: e.error,
      error_description: e.description,
      state: e.state,
      iss: this.config.issuer,
    });
  }

  private async codeRedirect(request: AuthorizationRequest, user: UserEntity): Promise<string> {
    const code = await this.codes.issue(request, user);
    return withParams(request.redirectUri, { code, state: request.state, iss: this.config.issuer });
  }
}

/** Adds query parameters to a redirect URI, keeping the ones it has (RFC 6749 3.1.2). */
export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}
