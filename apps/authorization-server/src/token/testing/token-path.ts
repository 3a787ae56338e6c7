/**
 * The token path without a database or an HTTP server: the real grant handlers, TokenIssuer, grant
 * registry, client authentication and signing keys (a generated ES256 key, real signatures), wired
 * by hand over the in-memory repositories of libs/persistence/src/testing with a clock the spec
 * moves. The one place that knows the constructors: when one changes, only this file follows.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LocalKeysAccessTokenVerifier } from '#bearer';
import { Clock, type AuthorizationConfig, type ServerConfig } from '#config';
import { GrantType, refreshTokenKey } from '#oauth';
import { type ClientEntity, DatabaseHandle, type UserEntity } from '#persistence';
import { type FakeRepositories, fakeRepositories } from '../../../../../libs/persistence/src/testing/index.js';
import { AuditService } from '../../audit/audit.service.js';
import { AuthorizationCodesService } from '../../authorization/authorization-codes.service.js';
import { DeviceAuthorizationsService } from '../../authorization/device-authorizations.service.js';
import { LoginThrottle } from '../../authorization/login-throttle.service.js';
import { TokenStanding } from '../../bearer/token-standing.service.js';
import { AuthFailureMonitor } from '../../clients/auth-failure-monitor.js';
import { ClientAuthGuard } from '../../clients/client-auth.guard.js';
import { ClientCache } from '../../clients/client-cache.js';
import { ClientAssertionService } from '../../clients/client-assertion.service.js';
import { ClientAuthenticationService } from '../../clients/client-authentication.service.js';
import { ClientRegistrationService } from '../../clients/client-registration.service.js';
import type { CreateClientDto } from '../../clients/dto/create-client.dto.js';
import { SigningKeyStore } from '../../keys/signing-key.store.js';
import { SigningKeysService } from '../../keys/signing-keys.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { RateLimitStorage } from '../../rate-limit/rate-limit.storage.js';
import { RedisConnection } from '../../redis/redis.provider.js';
import { UsersService } from '../../users/users.service.js';
import type { GrantContext, TokenRequestParams, TokenResponse } from '../grant-handler.js';
import { GrantHandlerRegistry } from '../grant-handler.registry.js';
import { AuthorizationCodeGrant } from '../grants/authorization-code.grant.js';
import { ClientCredentialsGrant } from '../grants/client-credentials.grant.js';
import { DeviceCodeGrant } from '../grants/device-code.grant.js';
import { PasswordGrant } from '../grants/password.grant.js';
import { RefreshTokenGrant } from '../grants/refresh-token.grant.js';
import { RefreshTokenRevocation } from '../../revocation/refresh-token-revocation.service.js';
import { SecurityEventOutbox } from '../../security-events/security-event-outbox.js';
import { TokenRevocationService } from '../token-revocation.service.js';
import { TokenIssuer } from '../token-issuer.service.js';
import { TokenLookup } from '../token-lookup.service.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const DAY = 24 * 3600 * SECOND;
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'https://api.test';
/** 2030-01-01T00:00:00Z: where every token path's clock starts. */
export const T0 = Date.UTC(2030, 0, 1);
export const CONTEXT: GrantContext = { address: '192.0.2.1' };

/** A clock that stands still until the spec moves it. */
export class FixedClock extends Clock {
  constructor(private at: number = T0) {
    super();
  }

  override now(): number {
    return this.at;
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

export type ClientRegistration = Partial<CreateClientDto> & { grant_types: string[] };

export interface RegisteredClient {
  client: ClientEntity;
  /** Absent for public clients. */
  secret?: string;
}

export interface TokenPath {
  clock: FixedClock;
  repos: FakeRepositories;
  issuer: TokenIssuer;
  registry: GrantHandlerRegistry;
  grants: {
    authorizationCode: AuthorizationCodeGrant;
    clientCredentials: ClientCredentialsGrant;
    password: PasswordGrant;
    refreshToken: RefreshTokenGrant;
    deviceCode: DeviceCodeGrant;
  };
  /** The one service every revocation goes through, and RFC 7009's use of it. */
  revocation: RefreshTokenRevocation;
  tokenRevocation: TokenRevocationService;
  /** Registration (its rules, secret rotation, deletion) and the authentication the guard runs. */
  clients: ClientRegistrationService;
  clientAuthentication: ClientAuthenticationService;
  clientAuth: ClientAuthGuard;
  codes: AuthorizationCodesService;
  /** Device requests (RFC 8628): started as the device authorization endpoint starts them, decided as the pages do. */
  devices: DeviceAuthorizationsService;
  users: UsersService;
  metrics: MetricsService;
  server: ServerConfig;
  /** The published keys (the JWKS), for verifying access tokens with jose. */
  publicKeys: JWTVerifyGetKey;
  /** A client registered through ClientRegistrationService (its registration rules apply); scope `read write` by default. */
  registerClient(registration: ClientRegistration): Promise<RegisteredClient>;
  /** The client as stored now (what the token endpoint's authentication would hand the grant). */
  reload(client: ClientEntity): Promise<ClientEntity>;
  /** A user with no usable password (no scrypt work): for grants that never check one. */
  addUser(username?: string): Promise<UserEntity>;
  /** A user with a password, through UsersService (scrypt). */
  createUser(username: string, password: string): Promise<UserEntity>;
  /** A new grant, as the password and code grants start one: its family id and first refresh token. */
  startFamily(client: ClientEntity, user: UserEntity, scope: string[]): Promise<{ familyId: string; value: string }>;
  /** A token request through the grant registry, as the token endpoint makes it after client authentication. */
  token(client: ClientEntity, params: TokenRequestParams): Promise<TokenResponse>;
  refresh(client: ClientEntity, refreshToken: string, scope?: string): Promise<TokenResponse>;
  /** The stored row id of a refresh token value. */
  tokenId(value: string): string;
}

const AUTHORIZATION: AuthorizationConfig = {
  codeLifetime: 60,
  sessionLifetime: 3600,
  loginMaxFailures: 5,
  loginMaxFailuresPerAddress: 20,
  loginFailureWindow: 900,
  deviceCodeLifetime: 600,
  userCodeMaxAttempts: 10,
  userCodeWindow: 900,
};

export async function buildTokenPath(): Promise<TokenPath> {
  // The handlers log replays and key set-up; the specs assert on stored state instead.
  Logger.overrideLogger(false);
  const clock = new FixedClock();
  const repos = fakeRepositories();
  const server: ServerConfig = {
    port: 0,
    issuer: ISSUER,
    accessTokenAudience: AUDIENCE,
    signingAlg: 'ES256',
    logLevel: 'error',
  };
  // No pool to report: MetricsService reads the handle only when scraped.
  const database = new DatabaseHandle({ options: { type: 'better-sqlite3' } } as DataSource);
  const metrics = new MetricsService({ enabled: false, port: undefined, host: '127.0.0.1' }, database);
  const keys = new SigningKeysService(
    new SigningKeyStore(repos.signingKeys, repos.transactions),
    {
      alg: 'ES256',
      publishAheadSeconds: 3600,
      rotationIntervalSeconds: 0,
      keyEncryptionKey: undefined,
      previousKeyEncryptionKey: undefined,
    },
    clock,
  );
  await keys.onModuleInit();
  const redis = new RedisConnection({ url: undefined });
  const rateLimits = new RateLimitStorage(redis, clock);
  const audit = new AuditService(repos.auditEvents, clock);
  const cache = new ClientCache({ clientTtlSeconds: 60 }, redis, clock);
  const registration = { adminScopeWithUserGrants: false, jwksUriAllowPrivate: false, securityEventsAllowHttp: false };
  const outbox = new SecurityEventOutbox(metrics);
  const clients = new ClientRegistrationService(
    repos.clients,
    repos.users,
    repos.consents,
    registration,
    clock,
    cache,
    repos.transactions,
    outbox,
  );
  const clientAuthentication = new ClientAuthenticationService(
    repos.clients,
    new AuthFailureMonitor(audit, rateLimits),
    cache,
    new ClientAssertionService(server, registration, redis, clock),
  );
  const users = new UsersService(repos.users, repos.loginSessions, clock);
  const verifier = new LocalKeysAccessTokenVerifier(keys, {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    clockToleranceSeconds: 0,
    clock,
  });
  const lookup = new TokenLookup(
    repos.refreshTokens,
    verifier,
    new TokenStanding(verifier, clientAuthentication, users),
  );
  const revocation = new RefreshTokenRevocation(repos.refreshTokens, audit, clock, metrics, outbox);
  const tokenRevocation = new TokenRevocationService(lookup, revocation);
  const issuer = new TokenIssuer(keys, repos.refreshTokens, clock, server, metrics);
  const codes = new AuthorizationCodesService(repos.authorizationCodes, AUTHORIZATION, clock);
  const devices = new DeviceAuthorizationsService(repos.deviceAuthorizations, AUTHORIZATION, server, clock);
  const grants = {
    authorizationCode: new AuthorizationCodeGrant(codes, repos.refreshTokens, issuer, clock, metrics, revocation),
    clientCredentials: new ClientCredentialsGrant(issuer),
    password: new PasswordGrant(new LoginThrottle(AUTHORIZATION, rateLimits, users, audit), users, issuer),
    refreshToken: new RefreshTokenGrant(repos.refreshTokens, issuer, clock, metrics, revocation),
    deviceCode: new DeviceCodeGrant(devices, issuer, clock),
  };
  const registry = new GrantHandlerRegistry(Object.values(grants));
  const publicKeys = createLocalJWKSet(await keys.jwks());

  const path: TokenPath = {
    clock,
    repos,
    issuer,
    registry,
    grants,
    revocation,
    tokenRevocation,
    clients,
    clientAuthentication,
    clientAuth: new ClientAuthGuard(clientAuthentication),
    codes,
    devices,
    users,
    metrics,
    server,
    publicKeys,
    async registerClient(registration) {
      const { client, client_secret } = await clients.create({
        client_id: `client-${randomUUID()}`,
        scope: 'read write',
        ...registration,
      } as CreateClientDto);
      return { client, secret: client_secret };
    },
    async reload(client) {
      const stored = await repos.clients.findByClientId(client.client_id);
      if (!stored) throw new Error(`client ${client.client_id} is not registered`);
      return stored;
    },
    async addUser(username = `user-${randomUUID()}`) {
      const now = clock.now();
      const id = randomUUID();
      // Not a scrypt hash: verifies no password.
      await repos.users.insert({
        id,
        username,
        password_hash: 'unusable',
        disabled_at: null,
        token_epoch: 0,
        created_at: now,
        updated_at: now,
      });
      return (await repos.users.findById(id))!;
    },
    async createUser(username, password) {
      const { id } = await users.create(username, password);
      return (await repos.users.findById(id))!;
    },
    async startFamily(client, user, scope) {
      const family = await issuer.startFamily(client, user, scope);
      if (!family) throw new Error(`no family could be started for user ${user.id}`);
      return family;
    },
    // async: what the registry throws becomes a rejection, as it does in the controller.
    async token(client, params) {
      return registry.handle(params, client, CONTEXT);
    },
    async refresh(client, refreshToken, scope) {
      return registry.handle(
        { grant_type: GrantType.RefreshToken, refresh_token: refreshToken, scope },
        client,
        CONTEXT,
      );
    },
    tokenId(value) {
      const key = refreshTokenKey(value);
      if (!key || key.legacy) throw new Error('not a refresh token this server mints');
      return key.id;
    },
  };
  return path;
}

/** The claims of an access token, read without verifying it (TokenIssuer's spec verifies them with jose). */
export function accessTokenClaims(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/** The error of class `type` (with `description`, when given) that `work` was refused with; throws otherwise. */
export async function refusedWith<E extends Error>(
  work: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  description?: string,
): Promise<E> {
  const error = await refusalOf(work);
  if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${error.name}: ${error.message}`);
  if (description !== undefined && error.message !== description)
    throw new Error(`expected ${type.name} "${description}", got "${error.message}"`);
  return error;
}

/** The error `work` was refused with; throws when it succeeded. */
export async function refusalOf(work: Promise<unknown>): Promise<Error> {
  const outcome = await work.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof Error)) throw new Error(`expected an Error, got ${String(outcome.error)}`);
  return outcome.error;
}
