import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RateLimitStorage } from '../apps/authorization-server/src/rate-limit/rate-limit.storage.js';
import { Browser, authorizeUrl, formFields } from './support/authorization-flow.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const BURST = 30;
const TOO_MANY = { error: 'invalid_request', error_description: 'too many requests; retry later' };
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** Every key this run counts in Redis: Redis outlives the test databases and is shared with parallel runs. */
const used: string[] = [];
const run = randomBytes(4).toString('hex');
let addresses = 0;

/**
 * An address of this run only (TRUST_PROXY=loopback makes X-Forwarded-For req.ip): the counters
 * of 127.0.0.1 are shared with every other suite using Redis.
 */
function newAddress(): string {
  const address = `2001:db8:${run.slice(0, 4)}:${run.slice(4)}::${(++addresses).toString(16)}`;
  used.push(`rl:login:addr:${address}`, `rl:token:addr:${address}`);
  return address;
}

function newUsername(): string {
  const username = `burst-${run}-${++addresses}`;
  used.push(`rl:login:user:${username}`);
  return username;
}

function countOf(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

async function auditEvents(t: TestApp, action: string, targetId: string) {
  return t.app
    .get(DataSource)
    .createQueryBuilder()
    .select(['e.actor AS actor', 'e.target_type AS target_type', 'e.target_id AS target_id', 'e.reason AS reason'])
    .from('audit_event', 'e')
    .where('e.action = :action AND e.target_id = :targetId', { action, targetId })
    .getRawMany();
}

afterAll(async () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    if (used.length > 0) await redis.del(...used);
  } finally {
    redis.disconnect();
  }
});

describe.each([
  ['in-process counters', ''],
  ['counters in Redis', REDIS_URL],
])('bursts against the throttles (%s)', (_, redisUrl) => {
  describe('failed sign-ins: the sign-in page and the password grant', () => {
    let t: TestApp;
    let spa: { client_id: string };
    let owner: { client_id: string; client_secret?: string };

    beforeAll(async () => {
      t = await startTestApp({ env: { REDIS_URL: redisUrl, TRUST_PROXY: 'loopback' } });
      spa = await t.createClient({
        grant_types: ['authorization_code'],
        scope: 'read',
        redirect_uris: ['https://app.example/cb'],
        require_pkce: false,
        first_party: true,
      });
      owner = await t.createClient({ grant_types: ['password'], scope: 'read' });
    });
    afterAll(() => t.close());

    /** A signed-out browser on the login page, posting from `address`. */
    async function loginPage(address: string) {
      const browser = new Browser(t.http);
      const page = await browser.open(authorizeUrl({ response_type: 'code', client_id: spa.client_id }));
      return (username: string, password: string) =>
        browser.agent
          .post('/oauth/authorize/login')
          .type('form')
          .redirects(0)
          .set('X-Forwarded-For', address)
          .send({ ...formFields(page.text), username, password });
    }

    const passwordGrant = (address: string, username: string, password: string) =>
      t.token({ grant_type: 'password', username, password }, basic(owner)).set('X-Forwarded-For', address);

    function expectThrottledPage(res: request.Response): void {
      expect(res.status).toBe(429);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
      expect(res.text).toContain('Too many failed attempts. Try again later.');
      expect(res.headers['set-cookie'] ?? []).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^as_session=/)]),
      );
    }

    function expectThrottledGrant(res: request.Response): void {
      expect(res.status).toBe(429);
      expect(res.body).toEqual(TOO_MANY);
      expect(res.headers).toMatchObject({ ...NO_STORE, 'retry-after': expect.stringMatching(/^\d+$/) });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
    }

    it('lets no more than LOGIN_MAX_FAILURES of a concurrent burst on the sign-in page through, then refuses the right password', async () => {
      const [username, address] = [newUsername(), newAddress()];
      await t.createUser(username, 'right-password-1');
      const signIn = await loginPage(address);
      const burst = await Promise.all(Array.from({ length: BURST }, () => signIn(username, 'wrong-password-1')));
      expect(countOf(burst.map((r) => r.status))).toEqual({ 401: 5, 429: BURST - 5 });
      for (const res of burst.filter((r) => r.status === 429)) expectThrottledPage(res);
      expect(burst.find((r) => r.status === 401)!.text).toContain('Wrong username or password.');
      expectThrottledPage(await signIn(username, 'right-password-1'));
      expect(await auditEvents(t, 'login.throttled', username)).toEqual([
        {
          actor: 'system',
          target_type: 'username',
          target_id: username,
          reason: 'more than 5 failed sign-in attempts within 900 s',
        },
      ]);
    });

    it('lets no more than LOGIN_MAX_FAILURES_PER_ADDRESS of a concurrent burst across usernames through', async () => {
      const [username, address] = [newUsername(), newAddress()];
      await t.createUser(username, 'right-password-1');
      const signIn = await loginPage(address);
      const burst = await Promise.all(Array.from({ length: BURST }, () => signIn(newUsername(), 'wrong-password-1')));
      expect(countOf(burst.map((r) => r.status))).toEqual({ 401: 20, 429: BURST - 20 });
      expectThrottledPage(await signIn(username, 'right-password-1'));
      expectThrottledGrant(await passwordGrant(address, username, 'right-password-1'));
      expect(await auditEvents(t, 'login.throttled', address)).toEqual([
        {
          actor: 'system',
          target_type: 'address',
          target_id: address,
          reason: 'more than 20 failed sign-in attempts within 900 s',
        },
      ]);
      // Another address is not throttled.
      expect((await (await loginPage(newAddress()))(username, 'right-password-1')).status).toBe(303);
    });

    it('throttles the password grant like the sign-in page: a concurrent burst, then the right password, answer 429', async () => {
      const [username, address] = [newUsername(), newAddress()];
      await t.createUser(username, 'right-password-1');
      const burst = await Promise.all(
        Array.from({ length: BURST }, () => passwordGrant(address, username, 'wrong-password-1')),
      );
      expect(countOf(burst.map((r) => r.status))).toEqual({ 400: 5, 429: BURST - 5 });
      for (const res of burst.filter((r) => r.status === 400)) {
        expect(res.body).toEqual({
          error: 'invalid_grant',
          error_description: 'the resource owner credentials are invalid',
        });
      }
      for (const res of burst.filter((r) => r.status === 429)) expectThrottledGrant(res);
      expectThrottledGrant(await passwordGrant(address, username, 'right-password-1'));
      expectThrottledPage(await (await loginPage(newAddress()))(username, 'right-password-1'));
      expect(await auditEvents(t, 'login.throttled', username)).toEqual([
        {
          actor: 'system',
          target_type: 'username',
          target_id: username,
          reason: 'more than 5 failed sign-in attempts within 900 s',
        },
      ]);
    });

    it('counts the sign-in page and the password grant together, and a success takes its attempt back', async () => {
      const [username, address] = [newUsername(), newAddress()];
      await t.createUser(username, 'right-password-1');
      const signIn = await loginPage(address);
      for (let i = 0; i < 2; i++) expect((await signIn(username, 'wrong-password-1')).status).toBe(401);
      for (let i = 0; i < 2; i++) expect((await passwordGrant(address, username, 'wrong-password-1')).status).toBe(400);
      expect((await passwordGrant(address, username, 'right-password-1')).status).toBe(200);
      // The success reset the username's count and took its own hit on the address back.
      const counters = t.app.get(RateLimitStorage);
      expect((await counters.peek(`login:user:${username}`)).hits).toBe(0);
      expect((await counters.peek(`login:addr:${address}`)).hits).toBe(4);
      for (let i = 0; i < 5; i++) expect((await signIn(username, 'wrong-password-1')).status).toBe(401);
      expectThrottledGrant(await passwordGrant(address, username, 'right-password-1'));
    });
  });

  describe('per client limits count authenticated requests only', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: {
          REDIS_URL: redisUrl,
          TRUST_PROXY: 'loopback',
          RATE_LIMITS: 'on',
          RATE_LIMIT_TOKEN_PER_CLIENT: '5',
          RATE_LIMIT_TOKEN_PER_ADDRESS: '12',
          RATE_LIMIT_WINDOW: '60',
        },
      });
    });
    afterAll(() => t.close());

    async function newClient() {
      const client = await t.createClient({
        client_id: `burst-${run}-${++addresses}`,
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      used.push(`rl:token:client:${client.client_id}`, `rl:authfail:client:${client.client_id}`);
      return client;
    }

    const tokenFrom = (address: string, auth: { id: string; secret: string }) =>
      t.token({ grant_type: 'client_credentials' }, auth).set('X-Forwarded-For', address);

    function expectLimited(res: request.Response, policy: string): void {
      expect(res.status).toBe(429);
      expect(res.body).toEqual(TOO_MANY);
      expect(res.headers).toMatchObject({ ...NO_STORE, 'ratelimit-policy': policy });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    }

    it('still serves the rightful client after a flood of wrong secrets claiming its id from one address', async () => {
      const client = await newClient();
      const attacker = newAddress();
      const wrong = { id: client.client_id, secret: 'not-the-secret' };
      const flood = await Promise.all(Array.from({ length: 12 }, () => tokenFrom(attacker, wrong)));
      for (const res of flood) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
      }
      const rightful = await tokenFrom(newAddress(), basic(client));
      expect(rightful.status).toBe(200);
      expect(rightful.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
      const revoke = await request(t.http)
        .post('/oauth/revoke')
        .type('form')
        .set('X-Forwarded-For', newAddress())
        .auth(client.client_id, client.client_secret!)
        .send({ token: 'x' });
      expect(revoke.status).toBe(200);
      // The failures are counted on their own: one burst event.
      expect(await auditEvents(t, 'client.authentication_failures', client.client_id)).toEqual([
        {
          actor: 'system',
          target_type: 'client',
          target_id: client.client_id,
          reason: '5 failed client authentications within 60 s',
        },
      ]);
      // The flooding address is limited per address.
      expectLimited(await tokenFrom(attacker, wrong), '12;w=60');
      expectLimited(await tokenFrom(attacker, basic(client)), '12;w=60');
    });

    it('limits a flood from one address across clients, and each authenticated client on its own', async () => {
      const [a, b, c] = [await newClient(), await newClient(), await newClient()];
      const address = newAddress();
      const statuses: number[] = [];
      for (const client of [a, a, a, a, a]) statuses.push((await tokenFrom(address, basic(client))).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expectLimited(await tokenFrom(newAddress(), basic(a)), '5;w=60');
      for (const client of [b, b, b, b, c, c, c]) expect((await tokenFrom(address, basic(client))).status).toBe(200);
      expectLimited(await tokenFrom(address, basic(c)), '12;w=60');
    });
  });
});
