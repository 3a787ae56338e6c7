import { registerAs } from '@nestjs/config';
import { parseDatabaseUrl } from './database-url.js';
import { validateEnvironment } from './environment.js';

const env = () => validateEnvironment(process.env);

export const serverConfig = registerAs('server', () => {
  const e = env();
  const issuer = e.ISSUER ?? `http://localhost:${e.PORT}`;
  return {
    port: e.PORT,
    issuer,
    accessTokenAudience: e.ACCESS_TOKEN_AUDIENCE ?? issuer,
    signingAlg: e.SIGNING_ALG,
    logLevel: e.LOG_LEVEL,
  };
});

export const signingKeysConfig = registerAs('signingKeys', () => {
  const e = env();
  return {
    alg: e.SIGNING_ALG,
    publishAheadSeconds: e.SIGNING_KEY_PUBLISH_AHEAD,
    rotationIntervalSeconds: e.SIGNING_KEY_ROTATION_INTERVAL,
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY,
    previousKeyEncryptionKey: e.KEY_ENCRYPTION_KEY_PREVIOUS,
  };
});

export const databaseConfig = registerAs('database', () => {
  const e = env();
  return {
    target: parseDatabaseUrl(e.DATABASE_URL),
    poolSize: e.DATABASE_POOL_SIZE,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
  };
});

export const adminConfig = registerAs('admin', () => {
  const e = env();
  return { clientId: e.ADMIN_CLIENT_ID, clientSecret: e.ADMIN_CLIENT_SECRET };
});

/** What a client registration may hold (RFC 9700 rules are fixed; this is the one opt-in). */
export const registrationConfig = registerAs('registration', () => {
  const e = env();
  return {
    adminScopeWithUserGrants: e.ADMIN_SCOPE_WITH_USER_GRANTS === 'true',
    /** JWKS_URI_ALLOW_PRIVATE: a jwks_uri may use http and lead to loopback or private addresses. */
    jwksUriAllowPrivate: e.JWKS_URI_ALLOW_PRIVATE === 'true',
    /** SECURITY_EVENTS_ALLOW_HTTP: a security_event_endpoint may use http on a loopback host. */
    securityEventsAllowHttp: e.SECURITY_EVENTS_ALLOW_HTTP === 'true',
  };
});

export const authorizationConfig = registerAs('authorization', () => {
  const e = env();
  return {
    codeLifetime: e.AUTHORIZATION_CODE_LIFETIME,
    sessionLifetime: e.LOGIN_SESSION_LIFETIME,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
    loginFailureWindow: e.LOGIN_FAILURE_WINDOW,
    deviceCodeLifetime: e.DEVICE_CODE_LIFETIME,
    userCodeMaxAttempts: e.DEVICE_USER_CODE_MAX_ATTEMPTS,
    userCodeWindow: e.DEVICE_USER_CODE_WINDOW,
  };
});

export const httpConfig = registerAs('http', () => {
  const e = env();
  return {
    corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
  };
});

/** Express `trust proxy` from TRUST_PROXY (validated: never `true`, which would trust any client's X-Forwarded-For). */
export function parseTrustProxy(value: string | undefined): false | number | string {
  if (value === undefined || value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export const rateLimitConfig = registerAs('rateLimit', () => {
  const e = env();
  return {
    enabled: e.RATE_LIMITS === 'on',
    tokenPerClient: e.RATE_LIMIT_TOKEN_PER_CLIENT,
    tokenPerAddress: e.RATE_LIMIT_TOKEN_PER_ADDRESS,
    windowSeconds: e.RATE_LIMIT_WINDOW,
  };
});

export const cacheConfig = registerAs('cache', () => {
  const e = env();
  return { clientTtlSeconds: e.CLIENT_CACHE_TTL };
});

/** The one place REDIS_URL is read: unset means one instance, with in-process counters and caches. */
export const redisConfig = registerAs('redis', () => ({ url: env().REDIS_URL }));

/** RFC 9449: DPoP proofs at the token endpoint (and the server's own resource checks). */
export const dpopConfig = registerAs('dpop', () => {
  const e = env();
  return {
    proofMaxAgeSeconds: e.DPOP_PROOF_MAX_AGE,
    nonceRequired: e.DPOP_NONCE_REQUIRED === 'true',
    nonceSecret: e.DPOP_NONCE_SECRET === undefined ? undefined : Buffer.from(e.DPOP_NONCE_SECRET, 'base64url'),
  };
});

export const housekeepingConfig = registerAs('housekeeping', () => {
  const e = env();
  return {
    intervalSeconds: e.HOUSEKEEPING_INTERVAL,
    retentionSeconds: e.HOUSEKEEPING_RETENTION,
    batchSize: e.HOUSEKEEPING_BATCH_SIZE,
  };
});

/** Delivery of security events (RFC 8935 push). */
export const securityEventsConfig = registerAs('securityEvents', () => {
  const e = env();
  return {
    maxAttempts: e.SECURITY_EVENTS_MAX_ATTEMPTS,
    backoffBaseMs: e.SECURITY_EVENTS_BACKOFF_BASE_MS,
    pollIntervalMs: e.SECURITY_EVENTS_POLL_INTERVAL_MS,
    timeoutMs: e.SECURITY_EVENTS_TIMEOUT_MS,
    /** SECURITY_EVENTS_ALLOW_PRIVATE: an https security_event_endpoint may reach non-public addresses. */
    allowPrivate: e.SECURITY_EVENTS_ALLOW_PRIVATE === 'true',
  };
});

export const metricsConfig = registerAs('metrics', () => {
  const e = env();
  return { enabled: e.METRICS_ENABLED === 'true', port: e.METRICS_PORT, host: e.METRICS_HOST };
});

export type SigningKeysConfig = ReturnType<typeof signingKeysConfig>;
export type DpopConfig = ReturnType<typeof dpopConfig>;
export type CacheConfig = ReturnType<typeof cacheConfig>;
export type RateLimitConfig = ReturnType<typeof rateLimitConfig>;
export type RedisConfig = ReturnType<typeof redisConfig>;
export type SecurityEventsConfig = ReturnType<typeof securityEventsConfig>;
export type MetricsConfig = ReturnType<typeof metricsConfig>;
export type HousekeepingConfig = ReturnType<typeof housekeepingConfig>;
export type HttpConfig = ReturnType<typeof httpConfig>;
export type AuthorizationConfig = ReturnType<typeof authorizationConfig>;
export type ServerConfig = ReturnType<typeof serverConfig>;
export type DatabaseConfig = ReturnType<typeof databaseConfig>;
export type RegistrationConfig = ReturnType<typeof registrationConfig>;
export type AdminConfig = ReturnType<typeof adminConfig>;
