import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { rateLimitConfig, type RateLimitConfig } from '#config';
import { OAuthError } from '#oauth';
import type { ClientEntity } from '#persistence';
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

/** Counts one request in a fixed window; past the limit, a 429 with RateLimit-Policy and Retry-After. */
@Injectable()
export class RateLimits {
  constructor(
    private readonly storage: RateLimitStorage,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
  ) {}

  async count(context: ExecutionContext, key: string, rule: 'tokenPerClient' | 'tokenPerAddress'): Promise<boolean> {
    if (!this.config.enabled) return true;
    const limit = this.config[rule];
    const { hits, resetInMs } = await this.storage.increment(key, this.config.windowSeconds * 1000);
    if (hits <= limit) return true;
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('RateLimit-Policy', `${limit};w=${this.config.windowSeconds}`);
    throw new TooManyRequestsError(Math.max(1, Math.ceil(resetInMs / 1000)));
  }
}

/**
 * Per address limit on the OAuth endpoints (RATE_LIMIT_TOKEN_PER_ADDRESS within RATE_LIMIT_WINDOW
 * seconds; RATE_LIMITS=off disables it). Runs after the form body is parsed and before client
 * authentication, so a flood from one address never reaches the secret checks.
 */
@Injectable()
export class TokenRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    return this.limits.count(context, `token:addr:${req.ip ?? 'unknown'}`, 'tokenPerAddress');
  }
}

/**
 * Per client limit on the OAuth endpoints (RATE_LIMIT_TOKEN_PER_CLIENT), counted after client
 * authentication: requests that only claim a client id (wrong secret) never use up the rightful
 * client's limit; they are counted per address, and their failures by AuthFailureMonitor.
 * Introspection callers with a bearer token have no authenticated client and count per address only.
 */
@Injectable()
export class ClientRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const client = context.switchToHttp().getRequest<{ client?: ClientEntity }>().client;
    return client ? this.limits.count(context, `token:client:${client.client_id}`, 'tokenPerClient') : true;
  }
}
