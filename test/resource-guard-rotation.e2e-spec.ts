import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SignJWT, generateKeyPair } from 'jose';
import request from 'supertest';
import { freePort, startDemo } from './support/demo-server.js';
import { type TestApp, TestClock, basic, startTestApp } from './support/test-app.js';

/**
 * libs/resource-guard in the demo resource server, across rotations of the real authorization server: a key
 * published ahead is already known, an unknown kid refetches the JWKS at most once per 30 s (jose's cooldown,
 * measured against Date.now, which the test moves), and forged kids do not make it hammer the server.
 */
describe('the demo resource server across signing-key rotations', () => {
  const realNow = Date.now.bind(Date);
  let shift = 0;
  let t: TestApp;
  let demo: INestApplication;
  let api: string;
  let issuer: string;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      port,
      env: { ISSUER: issuer, SIGNING_KEY_PUBLISH_AHEAD: '0', REDIS_URL: '', METRICS_ENABLED: 'true', METRICS_PORT: '' },
    });
    ({ demo, api } = await startDemo(issuer, new TestClock()));
    client = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(async () => {
    await demo?.close();
    await t?.close();
    jest.restoreAllMocks();
  });

  /** Seconds pass for the demo's JWKS cooldown (and everything else that reads Date.now). */
  const pass = (seconds: number) => (shift += seconds * 1000);

  async function jwksFetches(): Promise<number> {
    const text = (await request(t.http).get('/metrics')).text;
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_requests_total{') &&
          l.includes('route="/.well-known/jwks.json"') &&
          l.includes('status="200"'),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  }

  const accessToken = async () =>
    (await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client)).expect(200)).body
      .access_token as string;
  const profile = (token: string) => request(api).get('/api/profile').auth(token, { type: 'bearer' });
  const rotate = async () =>
    request(t.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', `Bearer ${await t.adminToken()}`)
      .expect(200);

  async function forgedToken(): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT({ client_id: 'x', scope: 'read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: `forged-${Math.random().toString(36).slice(2)}` })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(Math.random().toString(36))
      .sign(privateKey);
  }

  it('knows the next key from its first fetch: the first rotation needs no refetch', async () => {
    const before = await accessToken();
    expect((await profile(before)).status).toBe(200);
    expect(await jwksFetches()).toBe(1);
    await rotate();
    expect((await profile(await accessToken())).status).toBe(200);
    expect((await profile(before)).status).toBe(200);
    expect(await jwksFetches()).toBe(1);
  });

  it('refetches once for a key it has not seen, and forged kids then refetch at most once per 30 s', async () => {
    await rotate();
    pass(31);
    const token = await accessToken();
    expect((await profile(token)).status).toBe(200);
    expect(await jwksFetches()).toBe(2);

    for (let i = 0; i < 10; i++) expect((await profile(await forgedToken())).status).toBe(401);
    expect(await jwksFetches()).toBe(2);
    pass(29);
    for (let i = 0; i < 10; i++) expect((await profile(await forgedToken())).status).toBe(401);
    expect(await jwksFetches()).toBe(2);
    pass(2);
    for (let i = 0; i < 10; i++) expect((await profile(await forgedToken())).status).toBe(401);
    expect(await jwksFetches()).toBe(3);
    expect((await profile(token)).status).toBe(200);
  });
});
