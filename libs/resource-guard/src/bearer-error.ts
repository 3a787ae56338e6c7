import { HttpException, HttpStatus } from '@nestjs/common';

export interface BearerErrorBody {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  error_description: string;
}

/** An RFC 6750 3 error answer: its status, JSON body and the WWW-Authenticate challenge to send with it. */
export class BearerError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly body: BearerErrorBody,
    readonly challenge: string,
  ) {
    super(body, status);
  }

  /** RFC 6750 3.1: a request without credentials gets a challenge without an error code. */
  static missingToken(realm: string): BearerError {
    return new BearerError(401, { error_description: 'an access token is required' }, challenge(realm, {}));
  }

  static invalidRequest(realm: string, description: string): BearerError {
    const attributes = { error: 'invalid_request', error_description: description } as const;
    return new BearerError(400, attributes, challenge(realm, attributes));
  }

  static invalidToken(realm: string, description: string): BearerError {
    const attributes = { error: 'invalid_token', error_description: description } as const;
    return new BearerError(401, attributes, challenge(realm, attributes));
  }

  /** RFC 6750 3.1: `scope` names the scopes the request needs. */
  static insufficientScope(realm: string, required: readonly string[]): BearerError {
    const body = {
      error: 'insufficient_scope',
      error_description: `the request needs the scope ${required.join(' ')}`,
    } as const;
    return new BearerError(403, body, challenge(realm, { error: body.error, scope: required.join(' ') }));
  }
}

// RFC 6750 3: quoted auth-param values exclude '"' and '\'; descriptions are fixed texts, never request data.
function challenge(realm: string, attributes: Record<string, string>): string {
  const quoted = Object.entries({ realm, ...attributes }).map(
    ([name, value]) => `${name}="${value.replace(/["\\]/g, '')}"`,
  );
  return `Bearer ${quoted.join(', ')}`;
}
