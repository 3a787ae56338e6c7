import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';
import { Clock, registrationConfig, serverConfig, type RegistrationConfig, type ServerConfig } from '#config';
import {
  type ClientKeys,
  DEFAULT_JWKS_FETCH,
  InvalidClientError,
  MemoryReplayCache,
  RedisReplayCache,
  RemoteJwksCache,
  type ReplayCache,
  TemporarilyUnavailableError,
  fetchJwks,
  verifyClientAssertion,
} from '#oauth';
import type { ClientEntity } from '#persistence';
import { RedisConnection } from '../redis/redis.provider.js';
import { kindOf } from './auth-failure-monitor.js';

/** How long keys fetched from a jwks_uri are used before they are fetched again. */
const JWKS_TTL_MS = 5 * 60_000;
/** The least time between two fetches of one jwks_uri for an assertion naming an unknown kid. */
const JWKS_MIN_REFETCH_MS = 30_000;

/**
 * private_key_jwt (RFC 7523 2.2, RFC 7521 4.2): verifies a client's `client_assertion` against the keys
 * it registered, inline (`jwks`) or at its `jwks_uri` (fetched through one cache per instance). Each
 * jti is accepted once until its exp: in Redis, shared by every instance, when REDIS_URL is set.
 */
@Injectable()
export class ClientAssertionService {
  private readonly audiences: readonly string[];
  private readonly replay: ReplayCache;
  private readonly remoteKeys: RemoteJwksCache;
  private readonly logger = new Logger(ClientAssertionService.name);

  constructor(
    @Inject(serverConfig.KEY) server: ServerConfig,
    @Inject(registrationConfig.KEY) registration: RegistrationConfig,
    redis: RedisConnection,
    private readonly clock: Clock,
  ) {
    // RFC 7523 3: aud identifies the authorization server, as its token endpoint URL or its issuer.
    this.audiences = [`${server.issuer}/oauth/token`, server.issuer];
    this.replay = redis.client
      ? new RedisReplayCache(redis.client, 'replay:')
      : new MemoryReplayCache(() => clock.now());
    const fetchOptions = { ...DEFAULT_JWKS_FETCH, allowPrivate: registration.jwksUriAllowPrivate };
    this.remoteKeys = new RemoteJwksCache({
      ttlMs: JWKS_TTL_MS,
      minRefetchMs: JWKS_MIN_REFETCH_MS,
      fetch: (uri) => fetchJwks(uri, fetchOptions),
      now: () => clock.now(),
    });
  }

  /**
   * Resolves when the assertion authenticates the client; InvalidClientError otherwise. When the replay
   * cache (Redis) does not answer, temporarily_unavailable: accepting could let a replay through.
   */
  async verify(assertion: string | undefined, client: Readonly<ClientEntity>): Promise<void> {
    try {
      await verifyClientAssertion(assertion, {
        clientId: client.client_id,
        audiences: this.audiences,
        keys: this.keysOf(client),
        replay: this.replay,
        now: () => this.clock.now(),
      });
    } catch (e) {
      if (e instanceof InvalidClientError) throw e;
      // The kind only: a Redis error message may carry the URL and its password.
      this.logger.warn(`client assertion not checked for replay: the replay cache did not answer (${kindOf(e)})`);
      throw new TemporarilyUnavailableError('the service is temporarily unavailable, retry later');
    }
  }

  private keysOf(client: Readonly<ClientEntity>): ClientKeys {
    if (client.jwks_uri) return this.remoteKeys.keysFor(client.jwks_uri);
    const registered = (client.jwks ?? { keys: [] }) as JSONWebKeySet;
    return { current: () => Promise.resolve(registered) };
  }
}
