/**
 * RFC 6749 5.2 error codes, one class each. Rendered by OAuthExceptionFilter as exactly
 * `{ error, error_description }`, never with a stack or internal detail.
 */
export abstract class OAuthError extends Error {
  abstract readonly error: string;
  readonly status: number = 400;
  /** Extra response headers (e.g. WWW-Authenticate). */
  readonly headers: Record<string, string> = {};

  constructor(readonly description: string) {
    super(description);
    this.name = new.target.name;
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export class InvalidRequestError extends OAuthError {
  readonly error = 'invalid_request';
  constructor(
    description: string,
    override readonly status = 400,
  ) {
    super(description);
  }
}

/** RFC 6749 5.2: 401 with WWW-Authenticate when the client tried HTTP authentication. */
export class InvalidClientError extends OAuthError {
  readonly error = 'invalid_client';
  override readonly status = 401;
  constructor(description: string, basicAttempted: boolean) {
    super(description);
    if (basicAttempted) this.headers['WWW-Authenticate'] = 'Basic realm="oauth", charset="UTF-8"';
  }
}

export class InvalidGrantError extends OAuthError {
  readonly error = 'invalid_grant';
}

export class UnauthorizedClientError extends OAuthError {
  readonly error = 'unauthorized_client';
}

export class UnsupportedGrantTypeError extends OAuthError {
  readonly error = 'unsupported_grant_type';
}

export class InvalidScopeError extends OAuthError {
  readonly error = 'invalid_scope';
}

export class UnsupportedTokenTypeError extends OAuthError {
  readonly error = 'unsupported_token_type';
}

/** RFC 8628 3.5: the user has not yet approved or denied the device's request; keep polling. */
export class AuthorizationPendingError extends OAuthError {
  readonly error = 'authorization_pending';
}

/** RFC 8628 3.5: still pending, and the device polls too fast; its interval grows by 5 seconds. */
export class SlowDownError extends OAuthError {
  readonly error = 'slow_down';
}

/** RFC 8628 3.5 (RFC 6749 4.1.2.1): the user denied the request. */
export class AccessDeniedError extends OAuthError {
  readonly error = 'access_denied';
}

/** RFC 8628 3.5: the device code expired; the device may start over. */
export class ExpiredTokenError extends OAuthError {
  readonly error = 'expired_token';
}

export class ServerError extends OAuthError {
  readonly error = 'server_error';
  override readonly status = 500;
}

export class TemporarilyUnavailableError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  override readonly status = 503;
  constructor(description: string) {
    super(description);
    this.headers['Retry-After'] = '5';
  }
}

/** RFC 7662 2.1: an authenticated client that is not allowed to call the endpoint. */
export class ClientNotAllowedError extends OAuthError {
  readonly error = 'unauthorized_client';
  override readonly status = 403;
}
