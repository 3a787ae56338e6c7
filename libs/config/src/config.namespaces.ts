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

export const authorizationConfig = registerAs('authorization', () => {
  const e = env();
  return {
    codeLifetime: e.AUTHORIZATION_CODE_LIFETIME,
    sessionLifetime: e.LOGIN_SESSION_LIFETIME,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
    loginFailureWindow: e.LOGIN_FAILURE_WINDOW,
  };
});

export type AuthorizationConfig = ReturnType<typeof authorizationConfig>;
export type ServerConfig = ReturnType<typeof serverConfig>;
export type DatabaseConfig = ReturnType<typeof databaseConfig>;
export type AdminConfig = ReturnType<typeof adminConfig>;
