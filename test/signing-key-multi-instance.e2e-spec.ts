import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { decodeProtectedHeader } from 'jose';
import request from 'supertest';
import { freePort, startDemo } from './support/demo-server.js';
import { SigningKeySync } from '../apps/authorization-server/src/keys/signing-key-sync.js';
import { type TestApp, TestClock, basic, startTestApp } from './support/test-app.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** Two instances on one database; the first listens on the issuer's own URL, so the demo server can fetch its JWKS. */
async function startPair(env: Record<string, string>): Promise<{ a: TestApp; b: TestApp; issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const shared = {
    ISSUER: issuer,
    SIGNING_KEY_PUBLISH_AHEAD: '0',
    SIGNING_KEY_ROTATION_INTERVAL: '0',
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY_PREVIOUS: '',
    SIGNING_ALG: 'ES256',
    ...env,
  };
  const a = await startTestApp({ port, env: shared });
  const b = await startTestApp({ env: shared, database: a.database });
  return { a, b, issuer };
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;

async function accessToken(t: TestApp, client: { client_id: string; client_secret?: string }): Promise<string> {
  const res = await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client));
  expect(res.status).toBe(200);
  return res.body.access_token;
}

/** Milliseconds until `t` signs with `kid` (fails after `limitMs`). */
async function timeUntilSigningWith(
  t: TestApp,
  client: { client_id: string; client_secret?: string },
  kid: string,
  limitMs: number,
): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < limitMs) {
    if (kidOf(await accessToken(t, client)) === kid) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not signing with ${kid} after ${limitMs} ms`);
}

async function rotatedEvents(t: TestApp): Promise<{ actor: string; target_id: string }[]> {
  const res = await request(t.http)
    .get('/admin/audit-events?action=signing_key.rotated')
    .set('authorization', `Bearer ${await t.adminToken()}`)
    .expect(200);
  return res.body.items;
}

describe('signing-key rotation across two instances sharing one database and Redis', () => {
  const demoClock = new TestClock();
  let a: TestApp;
  let b: TestApp;
  let demo: INestApplication;
  let api: string;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    const pair = await startPair({ REDIS_URL });
    ({ a, b } = pair);
    ({ demo, api } = await startDemo(pair.issuer, demoClock));
    client = await a.createClient({ grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(async () => {
    await demo?.close();
    await b?.close();
    await a?.close();
  });

  const profile = (token: string) => request(api).get('/api/profile').auth(token, { type: 'bearer' });

  it('accepts at the demo resource server tokens signed before, during and after a rotation by either instance', async () => {
    const before = [await accessToken(a, client), await accessToken(b, client)];
    for (const token of before) expect((await profile(token)).status).toBe(200);
    const oldKid = kidOf(before[0]);
    expect(kidOf(before[1])).toBe(oldKid);

    const during = Array.from({ length: 20 }, (_, i) => accessToken(i % 2 === 0 ? a : b, client));
    const rotation = request(a.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', `Bearer ${await a.adminToken()}`);
    const [rotated, ...duringTokens] = await Promise.all([rotation, ...during]);
    expect(rotated.status).toBe(200);
    const newKid = (rotated.body.items as { kid: string; status: string }[]).find((k) => k.status === 'active')!.kid;
    expect(newKid).not.toBe(oldKid);

    // Through Redis, well before the 30 s safety-net poll.
    expect(await timeUntilSigningWith(b, client, newKid, 5000)).toBeLessThan(1500);
    const after = [await accessToken(a, client), await accessToken(b, client)];
    expect(after.map(kidOf)).toEqual([newKid, newKid]);

    for (const token of [...before, ...duringTokens, ...after]) {
      const res = await profile(token);
      expect({ kid: kidOf(token), status: res.status }).toEqual({ kid: kidOf(token), status: 200 });
    }
  });

  it('lets concurrent rotations through both instances change the keys one at a time', async () => {
    const admin = `Bearer ${await a.adminToken()}`;
    const eventsBefore = (await rotatedEvents(a)).length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        request((i % 2 === 0 ? a : b).http)
          .post('/admin/signing-keys/rotate')
          .set('authorization', admin),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    const succeeded = statuses.filter((s) => s === 200).length;
    expect(succeeded).toBeGreaterThanOrEqual(1);
    for (const r of answers.filter((r) => r.status === 409)) {
      expect(r.body).toEqual({
        status: 409,
        error: 'conflict',
        message: 'another rotation happened at the same time; the keys have changed',
      });
    }
    expect((await rotatedEvents(a)).length - eventsBefore).toBe(succeeded);
    const keys = (await request(a.http).get('/admin/signing-keys').set('authorization', admin)).body.items as {
      status: string;
    }[];
    expect(keys.filter((k) => k.status === 'active')).toHaveLength(1);
    expect(keys.filter((k) => k.status === 'next')).toHaveLength(1);
    // The first key, the one the earlier test rotated away, and one per successful rotation here.
    expect(keys.filter((k) => k.status === 'retiring')).toHaveLength(1 + succeeded);
  });
});

describe('scheduled rotation (SIGNING_KEY_ROTATION_INTERVAL) with two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    ({ a, b } = await startPair({ REDIS_URL, SIGNING_KEY_ROTATION_INTERVAL: '3600' }));
    client = await a.createClient({ grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('rotates once the interval has passed, on exactly one instance, and both then sign with the new key', async () => {
    const oldKid = kidOf(await accessToken(a, client));
    a.clock.advance(3599);
    b.clock.advance(3599);
    await Promise.all([a.app.get(SigningKeySync).tick(), b.app.get(SigningKeySync).tick()]);
    expect(kidOf(await accessToken(b, client))).toBe(oldKid);
    expect(await rotatedEvents(a)).toEqual([]);

    a.clock.advance(2);
    b.clock.advance(2);
    await Promise.all([a.app.get(SigningKeySync).tick(), b.app.get(SigningKeySync).tick()]);
    await Promise.all([a.app.get(SigningKeySync).tick(), b.app.get(SigningKeySync).tick()]);
    const events = await rotatedEvents(a);
    expect(events).toEqual([expect.objectContaining({ actor: 'system:schedule' })]);
    const newKid = events[0].target_id;
    expect(newKid).not.toBe(oldKid);
    await timeUntilSigningWith(a, client, newKid, 5000);
    await timeUntilSigningWith(b, client, newKid, 5000);
  });
});

describe('rotation seen by another instance without Redis (polling)', () => {
  let a: TestApp;
  let b: TestApp;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    ({ a, b } = await startPair({ REDIS_URL: '' }));
    client = await a.createClient({ grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('signs with the new key on the other instance within 5 s', async () => {
    const res = await request(a.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', `Bearer ${await a.adminToken()}`)
      .expect(200);
    const newKid = (res.body.items as { kid: string; status: string }[]).find((k) => k.status === 'active')!.kid;
    expect(kidOf(await accessToken(a, client))).toBe(newKid);
    expect(await timeUntilSigningWith(b, client, newKid, 5000)).toBeLessThan(5000);
  });
});
