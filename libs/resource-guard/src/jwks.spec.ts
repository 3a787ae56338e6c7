import { createServer } from 'node:net';
import type { INestApplication, LoggerService } from '@nestjs/common';
import request from 'supertest';
import type { ResourceGuardOptions } from './resource-guard.options.js';
import { startGuardedApp } from './testing/guarded-test-app.js';
import { type JwksTestServer, startJwksServer } from './testing/jwks-test-server.js';
import {
  signAccessToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestSigningKey,
  testSigningKey,
} from './testing/test-tokens.js';

/** Keeps what the app logs, to check what is (and is not) in it. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => this.lines.push(String(message));
  error = this.log;
  warn = this.log;
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the remote JWKS (jose createRemoteJWKSet)', () => {
  let key1: TestSigningKey;
  let key2: TestSigningKey;
  let jwks: JwksTestServer;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    [key1, key2] = await Promise.all([testSigningKey('key-1'), testSigningKey('key-2')]);
  });
  beforeEach(async () => {
    jwks = await startJwksServer([key1.publicJwk]);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await jwks.close();
  });

  async function guardedUrl(options: Partial<ResourceGuardOptions> = {}, logger?: LoggerService): Promise<string> {
    const app = await startGuardedApp(
      { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUri: jwks.uri, ...options },
      logger,
    );
    apps.push(app);
    return app.getUrl();
  }

  const read = async (url: string, key: TestSigningKey) =>
    request(url)
      .get('/read')
      .auth(await signAccessToken(key), { type: 'bearer' });

  it('fetches the keys once and caches them', async () => {
    const url = await guardedUrl();
    for (let i = 0; i < 3; i++) expect((await read(url, key1)).status).toBe(200);
    expect(jwks.fetches).toBe(1);
  });

  it('accepts a rotated key: an unknown kid refetches the JWKS', async () => {
    const url = await guardedUrl({ jwksCooldownMs: 0 });
    expect((await read(url, key1)).status).toBe(200);
    jwks.keys = [key1.publicJwk, key2.publicJwk];
    expect((await read(url, key2)).status).toBe(200);
    expect((await read(url, key1)).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('does not refetch for an unknown kid during the cooldown (forged kids cannot flood the JWKS)', async () => {
    const url = await guardedUrl();
    expect((await read(url, key1)).status).toBe(200);
    jwks.keys = [key1.publicJwk, key2.publicJwk];
    const res = await read(url, key2);
    expect(res.status).toBe(401);
    expect(res.body.error_description).toBe('the access token is signed with an unknown key');
    expect(jwks.fetches).toBe(1);
  });

  describe('unavailable: 401 invalid_token, never 500', () => {
    const unverifiable = {
      error: 'invalid_token',
      error_description: 'the access token could not be verified',
    };

    it('when the JWKS endpoint does not answer within the timeout', async () => {
      jwks.mode = 'hang';
      const logger = new RecordingLogger();
      const url = await guardedUrl({ jwksTimeoutMs: 200 }, logger);
      const token = await signAccessToken(key1);
      const started = Date.now();
      const res = await request(url).get('/read').auth(token, { type: 'bearer' });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unverifiable);
      expect(logger.lines.join('\n')).toContain(`the JWKS at ${jwks.uri} is unavailable`);
      expect(logger.lines.join('\n')).not.toContain(token.split('.')[2]);
    });

    it('when nothing listens at the JWKS URI', async () => {
      const logger = new RecordingLogger();
      const url = await guardedUrl({ jwksUri: `http://127.0.0.1:${await closedPort()}/jwks.json` }, logger);
      const res = await read(url, key1);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unverifiable);
      expect(logger.lines.join('\n')).toContain('is unavailable: TypeError: fetch failed (ECONNREFUSED)');
    });

    it('when the JWKS endpoint fails, and recovers with it', async () => {
      jwks.mode = 'error';
      const url = await guardedUrl();
      expect((await read(url, key1)).body).toEqual(unverifiable);
      jwks.mode = 'ok';
      expect((await read(url, key1)).status).toBe(200);
    });
  });
});
