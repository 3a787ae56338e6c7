import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { rateLimitConfig, type RateLimitConfig } from '#config';
import { OAuthError } from '#oauth';
import { parseBasicCredentials } from '../clients/client-credentials.js';
import { RateLimitStorage } from './rate-limit.storage.js';

/** 429 in the RFC 6749 5.2 shape, with Retry-After (RFC 9110 10.2.3). */
export class TooManyRequestsError extends OAuthError {
  readonly error = 'invalid_request';
  override readonly status = 429;
  constructor(retryAfterSeconds: number) {
    super('too many requests; retry later');
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

/** The client a request claims to be (before authentication): the Basic user, else client_id. */
export function claimedClient(req: Request): string {
  const header = req.headers.authorization;
  if (header && /^Basic /i.test(header)) {
    try {
      return parseBasicCredentials(header).clientId;
    } catch {
      return '(malformed)';
    }
  }
  return ((req.body ?? {}) as Record<string, string>).client_id ?? '(none)';
}

/**
 * Per client and per address limits on the OAuth endpoints (RATE_LIMIT_TOKEN_PER_CLIENT,
 * RATE_LIMIT_TOKEN_PER_ADDRESS within RATE_LIMIT_WINDOW seconds; RATE_LIMITS=off disables them).
 * Runs after the form body is parsed and before client authentication, so a flood never reaches
 * the secret checks.
 */
@Injectable()
export class TokenRateLimitGuard implements CanActivate {
  constructor(
    private readonly storage: RateLimitStorage,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.enabled) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const windowMs = this.config.windowSeconds * 1000;
    const rules: [string, number][] = [
      [`token:client:${claimedClient(req)}`, this.config.tokenPerClient],
      [`token:addr:${req.ip ?? 'unknown'}`, this.config.tokenPerAddress],
    ];
    for (const [key, limit] of rules) {
      const { hits, resetInMs } = await this.storage.increment(key, windowMs);
      if (hits > limit) {
        const res = context.switchToHttp().getResponse<Response>();
        res.setHeader('RateLimit-Policy', `${limit};w=${this.config.windowSeconds}`);
        throw new TooManyRequestsError(Math.max(1, Math.ceil(resetInMs / 1000)));
      }
    }
    return true;
  }
}
