import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Clock } from '#config';
import { AppModule } from '../../apps/authorization-server/src/app.module.js';
import { ClientRegistrationService } from '../../apps/authorization-server/src/clients/client-registration.service.js';
import type { CreateClientDto } from '../../apps/authorization-server/src/clients/dto/create-client.dto.js';
import { configureApp } from '../../apps/authorization-server/src/configure-app.js';
import type { JsonLogger } from '../../apps/authorization-server/src/logging/json-logger.js';
import { UsersService } from '../../apps/authorization-server/src/users/users.service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A clock the tests move by hand: expiry is tested without sleeping. */
export class TestClock extends Clock {
  private offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
  advance(seconds: number): void {
    this.offset += seconds * 1000;
  }
}

export const ISSUER = 'http://issuer.test';
export const ADMIN_CLIENT_ID = 'e2e-admin';
export const ADMIN_CLIENT_SECRET = 'e2e-admin-secret-that-is-long-enough-0123456789';

export interface TestApp {
  app: INestApplication;
  /** Base URL of the listening app, for supertest. */
  http: string;
  clock: TestClock;
  database: TestDatabase;
  createClient(
    dto: Partial<CreateClientDto> & { grant_types: string[] },
  ): Promise<{ client_id: string; client_secret?: string }>;
  createUser(username: string, password: string): Promise<{ id: string }>;
  /** An access token of the bootstrap admin client (scope `admin`, or a narrower one such as `admin:read`). */
  adminToken(scope?: string): Promise<string>;
  /** POST /oauth/token as a form. */
  token(form: Record<string, string>, auth?: { id: string; secret: string }): request.Test;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** The JSON logger to use (default: Nest's, errors only). */
  logger?: JsonLogger;
  /** Listen on this port (default: any free one). */
  port?: number;
  /** Reuse a database (e.g. to restart the app on the same data). */
  database?: TestDatabase;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    ISSUER,
    ADMIN_CLIENT_ID,
    ADMIN_CLIENT_SECRET,
    // Suites send many requests from one address; the rate-limit suite turns them back on.
    RATE_LIMITS: 'off',
    ...options.env,
  });
  const clock = new TestClock();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  moduleRef.useLogger(options.logger ?? ['error']);
  const issuer = options.env?.ISSUER ?? ISSUER;
  const nest = moduleRef.createNestApplication({ bodyParser: false, logger: options.logger ?? ['error'] });
  const app = configureApp(nest, issuer, options.logger);
  // Listening on a real port: concurrent requests then really overlap inside the server.
  await app.listen(options.port ?? 0, '127.0.0.1');
  const address = (app.getHttpServer() as import('node:net').Server).address() as import('node:net').AddressInfo;
  const http = `http://127.0.0.1:${address.port}`;
  const tokenRequest = (form: Record<string, string>, auth?: { id: string; secret: string }) => {
    const req = request(http).post('/oauth/token').type('form');
    if (auth) req.auth(auth.id, auth.secret);
    return req.send(form);
  };
  return {
    app,
    http,
    clock,
    database,
    async createClient(dto) {
      const { client, client_secret } = await app.get(ClientRegistrationService).create(dto as CreateClientDto);
      return { client_id: client.client_id, client_secret };
    },
    async createUser(username, password) {
      return app.get(UsersService).create(username, password);
    },
    async adminToken(scope) {
      if (scope !== undefined && scope !== 'admin') {
        const id = `${ADMIN_CLIENT_ID}-${scope.replace(/[^a-z]/g, '-')}`;
        if (!(await app.get(ClientRegistrationService).findById(id))) {
          await app
            .get(ClientRegistrationService)
            .create({ client_id: id, grant_types: ['client_credentials'], scope }, ADMIN_CLIENT_SECRET);
        }
        return (await tokenRequest({ grant_type: 'client_credentials' }, { id, secret: ADMIN_CLIENT_SECRET })).body
          .access_token;
      }
      const res = await tokenRequest(
        { grant_type: 'client_credentials' },
        { id: ADMIN_CLIENT_ID, secret: ADMIN_CLIENT_SECRET },
      );
      return res.body.access_token as string;
    },
    token: tokenRequest,
    async close() {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}

/**
 * Two instances of the server behind one database (and whatever else `env` shares, e.g. REDIS_URL),
 * as a horizontally scaled deployment runs them. The second closes without dropping the database;
 * close the first last.
 */
export async function startTwoInstances(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const a = await startTestApp({ env });
  return [a, await startTestApp({ env, database: a.database })];
}

/** Basic credentials of a created confidential client. */
export function basic(client: { client_id: string; client_secret?: string }): { id: string; secret: string } {
  return { id: client.client_id, secret: client.client_secret ?? '' };
}
