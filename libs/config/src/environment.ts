import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { parseDatabaseUrl } from './database-url.js';

/** 32 bytes in unpadded base64url: 43 characters, the last one carrying 4 bits. */
const KEY_ENCRYPTION_KEY_FORMAT = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** Every environment variable the server reads. Nothing else reads process.env. */
export class Environment {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @Matches(/^[^?#]*[^/?#]$/, { message: 'ISSUER must have no query, fragment or trailing slash' })
  ISSUER?: string;

  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @IsOptional()
  @IsIn(['FULL', 'NORMAL'])
  SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' = 'FULL';

  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'ADMIN_CLIENT_ID must be 1-200 printable ASCII characters' })
  ADMIN_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(32)
  @MaxLength(512)
  ADMIN_CLIENT_SECRET?: string;

  /** `true` lets a client hold `admin` or `admin:read` together with `password` or `authorization_code`. */
  @IsOptional()
  @IsIn(['true', 'false'])
  ADMIN_SCOPE_WITH_USER_GRANTS: 'true' | 'false' = 'false';

  /** `true` lets a client's jwks_uri use http and reach loopback or private addresses (development only). */
  @IsOptional()
  @IsIn(['true', 'false'])
  JWKS_URI_ALLOW_PRIVATE: 'true' | 'false' = 'false';

  /** `true` lets a client's security_event_endpoint use http on a loopback host (development only). */
  @IsOptional()
  @IsIn(['true', 'false'])
  SECURITY_EVENTS_ALLOW_HTTP: 'true' | 'false' = 'false';

  /**
   * `true` lets an https security_event_endpoint reach loopback, private, link-local and other non-public
   * addresses (refused at delivery otherwise; development and tests only).
   */
  @IsOptional()
  @IsIn(['true', 'false'])
  SECURITY_EVENTS_ALLOW_PRIVATE: 'true' | 'false' = 'false';

  /** Delivery attempts of a security event before it is marked failed. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SECURITY_EVENTS_MAX_ATTEMPTS = 8;

  /** Milliseconds before the first retry of a security event; each further retry waits twice as long (capped at an hour). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600_000)
  SECURITY_EVENTS_BACKOFF_BASE_MS = 1000;

  /** Milliseconds between the security-event worker's looks for due events (a local write also wakes it). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3600_000)
  SECURITY_EVENTS_POLL_INTERVAL_MS = 1000;

  /** Milliseconds a receiver has to answer a delivery. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SECURITY_EVENTS_TIMEOUT_MS = 5000;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  ACCESS_TOKEN_AUDIENCE?: string;

  @IsOptional()
  @IsIn(['ES256', 'RS256', 'EdDSA'])
  SIGNING_ALG: 'ES256' | 'RS256' | 'EdDSA' = 'ES256';

  /**
   * Seconds a new signing key is published in the JWKS (status `next`) before it may sign: longer than any
   * resource server caches the JWKS. The JWKS answer's max-age never exceeds it.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  SIGNING_KEY_PUBLISH_AHEAD = 3600;

  /** Seconds between scheduled signing-key rotations; 0 (default) rotates only on POST /admin/signing-keys/rotate. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650 * 24 * 3600)
  SIGNING_KEY_ROTATION_INTERVAL = 0;

  /** 32 random bytes, base64url: the key that encrypts signing keys at rest (AES-256-GCM); unset stores them in clear. */
  @IsOptional()
  @IsString()
  @Matches(KEY_ENCRYPTION_KEY_FORMAT, {
    message: 'KEY_ENCRYPTION_KEY must be 32 random bytes, base64url (43 characters)',
  })
  KEY_ENCRYPTION_KEY?: string;

  /** The key-encryption key being replaced: keys sealed with it are re-encrypted with KEY_ENCRYPTION_KEY at start. */
  @IsOptional()
  @IsString()
  @Matches(KEY_ENCRYPTION_KEY_FORMAT, {
    message: 'KEY_ENCRYPTION_KEY_PREVIOUS must be 32 random bytes, base64url (43 characters)',
  })
  KEY_ENCRYPTION_KEY_PREVIOUS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600)
  AUTHORIZATION_CODE_LIFETIME = 60;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  LOGIN_SESSION_LIFETIME = 8 * 3600;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  LOGIN_MAX_FAILURES_PER_ADDRESS = 20;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  LOGIN_FAILURE_WINDOW = 900;

  /** RFC 8628 3.2 expires_in: seconds a device code and its user code live. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(1800)
  DEVICE_CODE_LIFETIME = 600;

  /** User codes entered per client address within DEVICE_USER_CODE_WINDOW before 429 (RFC 8628 5.1). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DEVICE_USER_CODE_MAX_ATTEMPTS = 10;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(24 * 3600)
  DEVICE_USER_CODE_WINDOW = 900;

  /** Redis for shared rate-limit counters (redis:// or rediss://); unset means one instance, in-process counters. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] })
  REDIS_URL?: string;

  /**
   * Seconds a client registration is kept in memory for client authentication (0: never cached).
   * Changes made through this server reach every instance at once (through Redis when REDIS_URL
   * is set); this bounds how long a change made any other way (by hand in the database) can go unseen.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  CLIENT_CACHE_TTL = 60;

  /** RFC 9449: seconds a DPoP proof may be old (its iat), beside 5 s of clock skew each way. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(600)
  DPOP_PROOF_MAX_AGE = 60;

  /** RFC 9449 8: `true` makes the token endpoint demand a server nonce in every DPoP proof. */
  @IsOptional()
  @IsIn(['true', 'false'])
  DPOP_NONCE_REQUIRED: 'true' | 'false' = 'false';

  /**
   * The secret DPoP nonces are made with (32 random bytes, base64url): the same on every instance, so
   * that a nonce one instance issued is accepted by the others. Unset: a random secret per process.
   */
  @IsOptional()
  @IsString()
  @Matches(KEY_ENCRYPTION_KEY_FORMAT, {
    message: 'DPOP_NONCE_SECRET must be 32 random bytes, base64url (43 characters)',
  })
  DPOP_NONCE_SECRET?: string;

  /** `off` turns every rate limit off (benchmarks). */
  @IsOptional()
  @IsIn(['on', 'off'])
  RATE_LIMITS: 'on' | 'off' = 'on';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_TOKEN_PER_CLIENT = 600;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_TOKEN_PER_ADDRESS = 1200;

  /** Seconds over which the token-endpoint limits count. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_WINDOW = 60;

  /** Seconds between runs of the housekeeping job (expired rows deleted); 0 turns it off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  HOUSEKEEPING_INTERVAL = 3600;

  /** Seconds a dead refresh-token family or an expired authorization code is kept before deletion. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650 * 24 * 3600)
  HOUSEKEEPING_RETENTION = 7 * 24 * 3600;

  /** Rows deleted per statement by the housekeeping job. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  HOUSEKEEPING_BATCH_SIZE = 1000;

  /** Comma-separated exact origins allowed by CORS; unset means CORS is off. */
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/[^\s,/]+(,\s*https?:\/\/[^\s,/]+)*$/, {
    message: 'CORS_ORIGINS must be comma-separated origins such as https://app.example.com',
  })
  CORS_ORIGINS?: string;

  /**
   * Express `trust proxy`: false (default), a hop count, or comma-separated addresses/CIDRs. `true` is
   * refused (validateEnvironment): it would believe whatever X-Forwarded-For a client sends.
   */
  @IsOptional()
  @IsString()
  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/, ]+|loopback|linklocal|uniquelocal)$/, {
    message: 'TRUST_PROXY must be false, a hop count, or comma-separated addresses/CIDRs',
  })
  TRUST_PROXY?: string;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** `false` turns GET /metrics (Prometheus) off: it answers 404. */
  @IsOptional()
  @IsIn(['true', 'false'])
  METRICS_ENABLED: 'true' | 'false' = 'true';

  /** A port of its own for GET /metrics (0: any free one); unset means the main port serves it. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  /** The address the METRICS_PORT server listens on. */
  @IsOptional()
  @IsIP(undefined, { message: 'METRICS_HOST must be an IP address such as 127.0.0.1 or 0.0.0.0' })
  METRICS_HOST = '127.0.0.1';
}

const TRUST_PROXY_TRUE =
  'TRUST_PROXY=true would believe any X-Forwarded-For a client sends: set the number of proxies in front of ' +
  'the server (1 behind one load balancer such as the bundled nginx) or their addresses/CIDRs (loopback, ' +
  '10.0.0.0/8, uniquelocal), or false';

/** Validates the environment at boot; the message lists every bad variable. */
export function validateEnvironment(input: Record<string, unknown>): Environment {
  // An empty variable (`ADMIN_CLIENT_ID=`) counts as unset.
  const raw = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== ''));
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
  if ((raw.ADMIN_CLIENT_ID === undefined) !== (raw.ADMIN_CLIENT_SECRET === undefined)) {
    messages.push('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
  }
  if (typeof raw.TRUST_PROXY === 'string' && raw.TRUST_PROXY.trim().toLowerCase() === 'true') {
    messages.push(TRUST_PROXY_TRUE);
  }
  if (raw.KEY_ENCRYPTION_KEY_PREVIOUS !== undefined && raw.KEY_ENCRYPTION_KEY === undefined) {
    messages.push('KEY_ENCRYPTION_KEY_PREVIOUS needs KEY_ENCRYPTION_KEY (the key to re-encrypt the signing keys with)');
  }
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    messages.push('METRICS_PORT must differ from PORT (unset it to serve /metrics on PORT)');
  }
  try {
    parseDatabaseUrl(env.DATABASE_URL);
  } catch (e) {
    messages.push((e as Error).message);
  }
  if (messages.length > 0) throw new Error(`Invalid configuration:\n  - ${messages.join('\n  - ')}`);
  return env;
}
