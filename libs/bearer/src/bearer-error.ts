import { HttpException } from '@nestjs/common';

/** RFC 6750 3.1 error codes, and RFC 9449 7.1's for a DPoP proof. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';

export interface BearerErrorBody {
  /** Absent when the request had no bearer credentials at all (RFC 6750 3.1). */
  error?: BearerErrorCode;
  error_description: string;
}

const STATUS: Record<BearerErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
};

/** An RFC 9449 7.1 challenge: the DPoP scheme and the proof algorithms the server accepts. */
export interface DpopChallenge {
  algs: readonly string[];
}

/**
 * An RFC 6750 3 answer: its status, its JSON body and the WWW-Authenticate challenge to send
 * with it. Verifiers throw it without a realm; a guard names its realm with inRealm().
 */
export class BearerError extends HttpException {
  private constructor(
    readonly body: BearerErrorBody,
    /** RFC 6750 3.1: the scopes the request needs (insufficient_scope only). */
    readonly scope: readonly string[] = [],
    readonly realm?: string,
    /** Set when the answer is a DPoP challenge (RFC 9449 7.1) rather than a Bearer one. */
    readonly dpop?: DpopChallenge,
  ) {
    super(body, body.error ? STATUS[body.error] : 401);
    this.message = body.error_description;
  }

  /** RFC 6750 3.1: a request without bearer credentials gets a challenge without an error code. */
  static missingToken(description = 'an access token is required'): BearerError {
    return new BearerError({ error_description: description });
  }

  static invalidRequest(description: string): BearerError {
    return new BearerError({ error: 'invalid_request', error_description: description });
  }

  static invalidToken(description: string): BearerError {
    return new BearerError({ error: 'invalid_token', error_description: description });
  }

  static insufficientScope(required: readonly string[], description?: string): BearerError {
    const text = description ?? `the request needs the scope ${required.join(' ')}`;
    return new BearerError({ error: 'insufficient_scope', error_description: text }, required);
  }

  /** RFC 9449 7.1: the DPoP proof is missing, malformed, stale, replayed, or not of the token's key. */
  static invalidDpopProof(description: string): BearerError {
    return new BearerError({ error: 'invalid_dpop_proof', error_description: description });
  }

  get code(): BearerErrorCode | undefined {
    return this.body.error;
  }

  /** The same answer in the guard's realm. */
  inRealm(realm: string): BearerError {
    return new BearerError(this.body, this.scope, realm, this.dpop);
  }

  /** The same answer as a DPoP challenge (RFC 9449 7.1), naming the accepted proof algorithms. */
  asDpop(algs: readonly string[]): BearerError {
    return new BearerError(this.body, this.scope, this.realm, { algs });
  }

  /**
   * RFC 6750 3: `Bearer realm="...", error="...", error_description="..."`; the scope only with insufficient_scope.
   * RFC 9449 7.1: the same parameters after `DPoP`, and `algs`.
   */
  get challenge(): string {
    const params: string[] = [];
    if (this.realm !== undefined) params.push(`realm=${quotedString(this.realm)}`);
    if (this.body.error) params.push(`error="${this.body.error}"`);
    // insufficient_scope names the scopes it needs; the other errors say what was wrong.
    if (this.scope.length > 0) params.push(`scope="${this.scope.join(' ').replace(NOT_QUOTABLE, '')}"`);
    else if (this.body.error)
      params.push(`error_description="${this.body.error_description.replace(NOT_QUOTABLE, '')}"`);
    if (this.dpop) params.push(`algs="${this.dpop.algs.join(' ').replace(NOT_QUOTABLE, '')}"`);
    const scheme = this.dpop ? 'DPoP' : 'Bearer';
    return params.length > 0 ? `${scheme} ${params.join(', ')}` : scheme;
  }
}

// RFC 6750 3: error_description and scope allow %x20-21 / %x23-5B / %x5D-7E only, and no quoted-pair.
const NOT_QUOTABLE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

/** RFC 9110 5.6.4: a quoted-string, '"' and '\' escaped, control characters left out. */
function quotedString(value: string): string {
  const text = value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').replace(/["\\]/g, '\\$&');
  return `"${text}"`;
}
