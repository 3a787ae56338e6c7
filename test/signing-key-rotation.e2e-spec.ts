import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { RETIRE_MARGIN_SECONDS } from '../apps/authorization-server/src/keys/signing-keys.service.js';
import { type TestApp, ISSUER, basic, startTestApp } from './support/test-app.js';

// Longer than the admin client's default (900): the longest access-token lifetime of any client.
const LIFETIME = 1200;
const KEY_FIELDS = ['activated_at', 'alg', 'created_at', 'kid', 'retire_after', 'status'];

interface KeyView {
  kid: string;
  alg: string;
  status: string;
  created_at: string;
  activated_at: string | null;
  retire_after: string | null;
}

describe('signing-key rotation (GET /admin/signing-keys, POST /admin/signing-keys/rotate)', () => {
  let t: TestApp;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    t = await startTestApp({ env: { SIGNING_KEY_PUBLISH_AHEAD: '0', SIGNING_ALG: 'ES256', KEY_ENCRYPTION_KEY: '' } });
    client = await t.createClient({ grant_types: ['client_credentials'], access_token_lifetime: LIFETIME });
  });
  afterAll(() => t.close());

  /** A fresh admin token: the tests move the clock past the lifetime of earlier ones. */
  const admin = async () => `Bearer ${await t.adminToken()}`;
  const list = async (): Promise<KeyView[]> => {
    const res = await request(t.http)
      .get('/admin/signing-keys')
      .set('authorization', await admin())
      .expect(200);
    return res.body.items;
  };
  const jwks = async () => (await request(t.http).get('/.well-known/jwks.json').expect(200)).body;
  const accessToken = async () =>
    (await t.token({ grant_type: 'client_credentials' }, basic(client)).expect(200)).body.access_token as string;
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const verify = async (token: string) =>
    jwtVerify(token, createLocalJWKSet(await jwks()), {
      issuer: ISSUER,
      typ: 'at+jwt',
      currentDate: new Date(t.clock.now()),
    });

  it('lists the active key and the next one, never private material, for admin:read', async () => {
    const readOnly = `Bearer ${await t.adminToken('admin:read')}`;
    const res = await request(t.http).get('/admin/signing-keys').set('authorization', readOnly).expect(200);
    expect(Object.keys(res.body)).toEqual(['items']);
    const items = res.body.items as KeyView[];
    expect(items.map((k) => k.status)).toEqual(['active', 'next']);
    for (const k of items) expect(Object.keys(k).sort()).toEqual(KEY_FIELDS);
    expect(items[0]).toMatchObject({ alg: 'ES256', activated_at: expect.any(String), retire_after: null });
    expect(items[1]).toMatchObject({ alg: 'ES256', activated_at: null, retire_after: null });
    expect(JSON.stringify(res.body)).not.toMatch(/private|"d"|"kek"|"ct"/);
    expect(kidOf(await accessToken())).toBe(items[0].kid);
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid)).toEqual(items.map((k) => k.kid));
  });

  it('refuses rotation to admin:read and to no token', async () => {
    const readOnly = `Bearer ${await t.adminToken('admin:read')}`;
    await request(t.http).post('/admin/signing-keys/rotate').set('authorization', readOnly).expect(403);
    await request(t.http).post('/admin/signing-keys/rotate').expect(401);
    await request(t.http).get('/admin/signing-keys').expect(401);
  });

  it('serves the JWKS with a max-age no longer than SIGNING_KEY_PUBLISH_AHEAD', async () => {
    const res = await request(t.http).get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=0');
  });

  it('rotates: the next key signs, the previous one is retiring and still verifies its tokens, a new next key is published, audited', async () => {
    const [active, next] = await list();
    const before = await accessToken();
    const res = await request(t.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', await admin())
      .expect(200);
    const items = res.body.items as KeyView[];
    expect(items.map((k) => [k.kid, k.status])).toEqual([
      [active.kid, 'retiring'],
      [next.kid, 'active'],
      [expect.any(String), 'next'],
    ]);
    const rotatedAt = Date.parse(items[1].activated_at!);
    expect(Date.parse(items[0].retire_after!)).toBe(rotatedAt + (LIFETIME + RETIRE_MARGIN_SECONDS) * 1000);
    const after = await accessToken();
    expect(kidOf(after)).toBe(next.kid);
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(after)).resolves.toBeDefined();
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid)).toEqual(items.map((k) => k.kid));
    const audit = await request(t.http)
      .get('/admin/audit-events?action=signing_key.rotated')
      .set('authorization', await admin())
      .expect(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        action: 'signing_key.rotated',
        actor: 'admin:e2e-admin',
        target_type: 'signing_key',
        target_id: next.kid,
        reason: `previous ${active.kid}`,
      }),
    ]);
  });

  it('retires the previous key once every token it signed has expired: it leaves the JWKS', async () => {
    const [retiring] = (await list()).filter((k) => k.status === 'retiring');
    t.clock.advance(LIFETIME + RETIRE_MARGIN_SECONDS - 5);
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid)).toContain(retiring.kid);
    t.clock.advance(6);
    expect((await list()).find((k) => k.kid === retiring.kid)?.status).toBe('retired');
    expect((await jwks()).keys.map((k: { kid: string }) => k.kid)).not.toContain(retiring.kid);
    expect((await jwks()).keys).toHaveLength(2);
  });

  it('moves to a new SIGNING_ALG on the next rotation, both algorithms in the JWKS meanwhile', async () => {
    const second = await startTestApp({
      database: t.database,
      env: { SIGNING_ALG: 'EdDSA', SIGNING_KEY_PUBLISH_AHEAD: '0' },
    });
    // Its own test clock: moved as far as this suite's.
    second.clock.advance(LIFETIME + RETIRE_MARGIN_SECONDS + 1);
    try {
      const keys = (await request(second.http).get('/.well-known/jwks.json').expect(200)).body.keys as {
        alg: string;
      }[];
      expect(keys.map((k) => k.alg)).toEqual(['ES256', 'ES256', 'EdDSA']);
      const res = await request(second.http)
        .post('/admin/signing-keys/rotate')
        .set('authorization', await admin())
        .expect(200);
      const live = (res.body.items as KeyView[]).filter((k) => k.status !== 'retired');
      expect(live.map((k) => [k.alg, k.status])).toEqual([
        ['ES256', 'retiring'],
        ['EdDSA', 'active'],
        ['EdDSA', 'next'],
      ]);
      const token = (await second.token({ grant_type: 'client_credentials' }, basic(client)).expect(200)).body
        .access_token;
      expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
      const published = (await request(second.http).get('/.well-known/jwks.json')).body.keys as { alg: string }[];
      expect(published.map((k) => k.alg)).toEqual(['ES256', 'EdDSA', 'EdDSA']);
    } finally {
      await second.close();
    }
  });
});

describe('publish before use (SIGNING_KEY_PUBLISH_AHEAD)', () => {
  let t: TestApp;
  const admin = async () => `Bearer ${await t.adminToken()}`;

  beforeAll(async () => {
    t = await startTestApp({
      env: { SIGNING_KEY_PUBLISH_AHEAD: '3600', SIGNING_ALG: 'ES256', KEY_ENCRYPTION_KEY: '' },
    });
  });
  afterAll(() => t.close());

  it('caps the JWKS max-age at 300 s', async () => {
    const res = await request(t.http).get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });

  it('answers 409 with the time the next key may sign, and rotates once it was published that long', async () => {
    const items = (
      await request(t.http)
        .get('/admin/signing-keys')
        .set('authorization', await admin())
    ).body.items as KeyView[];
    const next = items.find((k) => k.status === 'next')!;
    const at = new Date(Date.parse(next.created_at) + 3600_000).toISOString();
    const early = await request(t.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', await admin())
      .expect(409);
    expect(early.body).toEqual({
      status: 409,
      error: 'conflict',
      message: `no next key has been published for SIGNING_KEY_PUBLISH_AHEAD (3600 s) yet; rotate again at or after ${at}`,
    });
    t.clock.advance(3599);
    await request(t.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', await admin())
      .expect(409);
    t.clock.advance(2);
    const res = await request(t.http)
      .post('/admin/signing-keys/rotate')
      .set('authorization', await admin())
      .expect(200);
    expect((res.body.items as KeyView[]).find((k) => k.status === 'active')?.kid).toBe(next.kid);
  });
});
