import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Browser, authorizeUrl } from './support/authorization-flow.js';
import { type TestApp, basic, startTestApp, startTwoInstances } from './support/test-app.js';

const limited = (extra: Record<string, string> = {}) => ({
  RATE_LIMITS: 'on',
  RATE_LIMIT_TOKEN_PER_CLIENT: '3',
  RATE_LIMIT_TOKEN_PER_ADDRESS: '1000',
  RATE_LIMIT_WINDOW: '60',
  ...extra,
});

describe('rate limits on the OAuth endpoints', () => {
  describe('one instance, in-process counters', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: limited({ REDIS_URL: '' }) });
    });
    afterAll(() => t.close());

    it('answers 429 in the RFC shape with Retry-After past the per-client limit, and only for that client', async () => {
      const a = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      const b = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      for (let i = 0; i < 3; i++)
        expect((await t.token({ grant_type: 'client_credentials' }, basic(a))).status).toBe(200);
      const blocked = await t.token({ grant_type: 'client_credentials' }, basic(a));
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual({ error: 'invalid_request', error_description: 'too many requests; retry later' });
      expect(blocked.headers).toMatchObject({
        'cache-control': 'no-store',
        'retry-after': expect.stringMatching(/^\d+$/),
      });
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await t.token({ grant_type: 'client_credentials' }, basic(b))).status).toBe(200);
      t.clock.advance(61);
      expect((await t.token({ grant_type: 'client_credentials' }, basic(a))).status).toBe(200);
    });

    it('counts a client only once it authenticated: wrong secrets claiming its id leave its limit alone', async () => {
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      for (let i = 0; i < 3; i++)
        await t.token({ grant_type: 'client_credentials' }, { id: c.client_id, secret: 'wrong' });
      expect((await t.token({ grant_type: 'client_credentials' }, basic(c))).status).toBe(200);
      t.clock.advance(61);
    });

    it('limits revocation and introspection calls as well', async () => {
      const d = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      const revoke = () =>
        request(t.http).post('/oauth/revoke').type('form').auth(d.client_id, d.client_secret!).send({ token: 'x' });
      for (let i = 0; i < 3; i++) expect((await revoke()).status).toBe(200);
      expect((await revoke()).status).toBe(429);
      t.clock.advance(61);
    });
  });

  it('limits per address across clients', async () => {
    const t = await startTestApp({
      env: limited({ REDIS_URL: '', RATE_LIMIT_TOKEN_PER_CLIENT: '100', RATE_LIMIT_TOKEN_PER_ADDRESS: '4' }),
    });
    try {
      const clients = await Promise.all(
        [1, 2, 3, 4, 5].map(() => t.createClient({ grant_types: ['client_credentials'], scope: 'read' })),
      );
      const statuses = [];
      for (const c of clients) statuses.push((await t.token({ grant_type: 'client_credentials' }, basic(c))).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await t.close();
    }
  });

  it('is off with RATE_LIMITS=off', async () => {
    const t = await startTestApp({ env: limited({ REDIS_URL: '', RATE_LIMITS: 'off' }) });
    try {
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      for (let i = 0; i < 6; i++)
        expect((await t.token({ grant_type: 'client_credentials' }, basic(c))).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  describe('two instances sharing Redis (REDIS_URL)', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      // The per-address sign-in limit is raised: Redis keeps counting 127.0.0.1 across runs.
      const env = limited({
        REDIS_URL: 'redis://127.0.0.1:6379',
        RATE_LIMIT_TOKEN_PER_CLIENT: '4',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
      });
      [a, b] = await startTwoInstances(env);
    });
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('shares one limit: two requests on each instance use it up for both', async () => {
      // A client id of its own per run: Redis outlives the test databases.
      const c = await a.createClient({
        client_id: `rl-${randomBytes(6).toString('hex')}`,
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      const statuses = [];
      for (const app of [a, b, a, b, a, b])
        statuses.push((await app.token({ grant_type: 'client_credentials' }, basic(c))).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    });

    it('shares the failed sign-in throttle: failures on both instances add up', async () => {
      const spa = await a.createClient({
        grant_types: ['authorization_code'],
        scope: 'read',
        redirect_uris: ['https://app.example/cb'],
        require_pkce: false,
        first_party: true,
      });
      const username = `u-${randomBytes(6).toString('hex')}`;
      await a.createUser(username, 'right-password-1');
      const attempt = async (app: TestApp, password: string) => {
        const browser = new Browser(app.http);
        const login = await browser.open(authorizeUrl({ response_type: 'code', client_id: spa.client_id }));
        return (await browser.signIn(login.text, username, password)).status;
      };
      const statuses = [];
      for (const app of [a, b, a, b, a]) statuses.push(await attempt(app, 'wrong-password-1'));
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      expect(await attempt(b, 'right-password-1')).toBe(429);
      expect(await attempt(a, 'right-password-1')).toBe(429);
    });

    it('reports Redis in readiness', async () => {
      const res = await request(a.http).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
    });
  });

  it('turns readiness red when Redis does not answer, while the token endpoint keeps working', async () => {
    const t = await startTestApp({ env: limited({ REDIS_URL: 'redis://127.0.0.1:1' }) });
    try {
      const res = await request(t.http).get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ redis: { status: 'down' } });
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      expect((await t.token({ grant_type: 'client_credentials' }, basic(c))).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
