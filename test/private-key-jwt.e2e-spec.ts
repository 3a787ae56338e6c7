import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { JsonLogger } from '../apps/authorization-server/src/logging/json-logger.js';
import { expectAdminError } from './support/admin-api.js';
import { ISSUER, type TestApp, startTestApp, startTwoInstances } from './support/test-app.js';

/**
 * private_key_jwt (RFC 7523 2.2, RFC 7521 4.2) as a client uses it: registered through the admin API
 * with its public keys (inline or at a jwks_uri), it authenticates at /oauth/token, /oauth/revoke and
 * /oauth/introspect with a fresh signed assertion per request.
 */

const TOKEN_ENDPOINT = `${ISSUER}/oauth/token`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const REFUSED = { error: 'invalid_client', error_description: 'client authentication failed' };
const REDIS_URL = 'redis://127.0.0.1:6379';

interface ClientKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function clientKey(kid: string, alg = 'ES256'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

type Claims = Record<string, unknown>;

/** The claims a well-behaved client sends; an override set to undefined leaves that claim out. */
function claimsFor(app: TestApp, clientId: string, overrides: Claims = {}): Claims {
  const now = Math.floor(app.clock.now() / 1000);
  const claims: Claims = {
    iss: clientId,
    sub: clientId,
    aud: TOKEN_ENDPOINT,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims;
}

function sign(claims: Claims, key: ClientKey, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

const asForm = (assertion: string) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });

function post(app: TestApp, path: string, form: Record<string, string>) {
  return request(app.http).post(path).type('form').send(form);
}

function expectRefused(res: request.Response): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: REFUSED });
  expect(res.headers).toMatchObject(NO_STORE);
  expect(res.headers['www-authenticate']).toBeUndefined();
}

/** A client's own key server: serves whatever keys the test puts in `keys`. */
async function keyServer(): Promise<{ server: Server; uri: string; keys: JWK[]; fetches: () => number }> {
  const state = { keys: [] as JWK[], fetches: 0 };
  const server = createServer((_req, res) => {
    state.fetches += 1;
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    uri: `http://127.0.0.1:${port}/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(keys: JWK[]) {
      state.keys = keys;
    },
    fetches: () => state.fetches,
  };
}

async function register(app: TestApp, body: Record<string, unknown>): Promise<request.Response> {
  return request(app.http)
    .post('/admin/clients')
    .set('authorization', `Bearer ${await app.adminToken()}`)
    .send(body);
}

describe('private_key_jwt client authentication (RFC 7523 2.2)', () => {
  let t: TestApp;
  let key: ClientKey;
  let clientId: string;
  const claims = (overrides: Claims = {}) => claimsFor(t, clientId, overrides);
  const assertion = async (overrides: Claims = {}, header: Record<string, unknown> = {}, k = key) =>
    sign(claims(overrides), k, header);

  beforeAll(async () => {
    delete process.env.REDIS_URL;
    t = await startTestApp({ env: { JWKS_URI_ALLOW_PRIVATE: 'true' } });
    key = await clientKey('client-key-1');
    await t.createUser('pat', 'pat-password-1');
    const res = await register(t, {
      client_name: 'Signed requests',
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      scope: 'read write',
      token_endpoint_auth_method: 'private_key_jwt',
      introspection_allowed: true,
      jwks: { keys: [key.publicJwk] },
    });
    expect(res.status).toBe(201);
    clientId = res.body.client_id;
  });
  afterAll(async () => {
    await t.close();
    delete process.env.JWKS_URI_ALLOW_PRIVATE;
  });

  describe('a client registered with inline jwks', () => {
    it('is registered without a secret, its public keys shown back', async () => {
      const res = await request(t.http)
        .get(`/admin/clients/${clientId}`)
        .set('authorization', `Bearer ${await t.adminToken()}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      expect(res.body.client_secret).toBeUndefined();
      const rotate = await request(t.http)
        .post(`/admin/clients/${clientId}/secret`)
        .set('authorization', `Bearer ${await t.adminToken()}`);
      expectAdminError(rotate, 400);
    });

    it('gets a client_credentials token with an assertion', async () => {
      const res = await post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(await assertion()) });
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'read write' });
    });

    it('accepts the issuer as aud, an aud array and client_id sent beside the assertion', async () => {
      const byIssuer = await assertion({ aud: ISSUER });
      expect((await post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(byIssuer) })).status).toBe(
        200,
      );
      const both = await assertion({ aud: [TOKEN_ENDPOINT, ISSUER] });
      const withId = { grant_type: 'client_credentials', client_id: clientId, ...asForm(both) };
      expect((await post(t, '/oauth/token', withId)).status).toBe(200);
    });

    it('goes through the password grant and refreshes, revokes and introspects with assertions', async () => {
      const issued = await post(t, '/oauth/token', {
        grant_type: 'password',
        username: 'pat',
        password: 'pat-password-1',
        scope: 'read',
        ...asForm(await assertion()),
      });
      expect(issued.status).toBe(200);
      const refreshed = await post(t, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: issued.body.refresh_token,
        ...asForm(await assertion()),
      });
      expect(refreshed.status).toBe(200);
      const { access_token, refresh_token } = refreshed.body;

      const active = await post(t, '/oauth/introspect', { token: access_token, ...asForm(await assertion()) });
      expect(active.status).toBe(200);
      expect(active.body).toMatchObject({ active: true, client_id: clientId, sub: expect.any(String) });

      const revoked = await post(t, '/oauth/revoke', { token: refresh_token, ...asForm(await assertion()) });
      expect(revoked.status).toBe(200);
      expect(revoked.headers).toMatchObject(NO_STORE);

      const after = await post(t, '/oauth/introspect', { token: refresh_token, ...asForm(await assertion()) });
      expect({ status: after.status, body: after.body }).toEqual({ status: 200, body: { active: false } });
      const again = await post(t, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token,
        ...asForm(await assertion()),
      });
      expect(again.body.error).toBe('invalid_grant');
    });

    it('refuses at revocation and introspection what it refuses at the token endpoint', async () => {
      const used = await assertion();
      expect((await post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(used) })).status).toBe(200);
      expectRefused(await post(t, '/oauth/revoke', { token: 'x', ...asForm(used) }));
      expectRefused(await post(t, '/oauth/introspect', { token: 'x', ...asForm(used) }));
      expectRefused(await post(t, '/oauth/revoke', { token: 'x', ...asForm(await assertion({ aud: 'x' })) }));
      expectRefused(await post(t, '/oauth/introspect', { token: 'x', ...asForm(await assertion({ exp: 1 })) }));
    });
  });

  describe('each bad assertion is 401 invalid_client', () => {
    const cc = (a: string, extra: Record<string, string> = {}) =>
      post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(a), ...extra });

    it('signed with another key under the registered kid', async () => {
      const other = await clientKey(key.kid);
      expectRefused(await cc(await assertion({}, {}, other)));
    });

    it('expired', async () => {
      const now = Math.floor(t.clock.now() / 1000);
      expectRefused(await cc(await assertion({ iat: now - 120, exp: now - 60 })));
    });

    it('with exp more than 5 minutes ahead', async () => {
      const now = Math.floor(t.clock.now() / 1000);
      expectRefused(await cc(await assertion({ exp: now + 5 * 60 + 30 })));
    });

    it('replayed: the same jti a second time', async () => {
      const once = await assertion();
      expect((await cc(once)).status).toBe(200);
      expectRefused(await cc(once));
      const sameJti = await assertion({ jti: claimsFromJwt(once).jti });
      expectRefused(await cc(sameJti));
    });

    it('for another audience', async () => {
      expectRefused(await cc(await assertion({ aud: 'https://other-server.example/oauth/token' })));
      expectRefused(await cc(await assertion({ aud: `${ISSUER}/oauth/revoke` })));
    });

    it('with iss other than sub, or iss and sub other than the client_id sent', async () => {
      expectRefused(await cc(await assertion({ iss: 'someone-else' })));
      expectRefused(await cc(await assertion({ iss: 'someone-else', sub: 'someone-else' }), { client_id: clientId }));
      expectRefused(await cc(await assertion(), { client_id: 'someone-else' }));
    });

    it('unsigned (alg none)', async () => {
      const unsigned = new UnsecuredJWT(claims()).encode();
      expectRefused(await cc(unsigned));
    });

    it('signed with HS256 and some secret', async () => {
      const secret = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256!');
      const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(secret);
      expectRefused(await cc(hs));
    });

    it('naming an unknown kid', async () => {
      expectRefused(await cc(await assertion({}, { kid: 'not-registered' })));
    });

    it('without jti or exp', async () => {
      expectRefused(await cc(await assertion({ jti: undefined })));
      expectRefused(await cc(await assertion({ exp: undefined })));
    });

    it('sent together with a client_secret, or with HTTP Basic (then with a Basic challenge)', async () => {
      const withSecret = await cc(await assertion(), { client_secret: 'some-secret' });
      expect({ status: withSecret.status, body: withSecret.body }).toEqual({
        status: 401,
        body: { error: 'invalid_client', error_description: 'the client used more than one authentication method' },
      });
      expect(withSecret.headers['www-authenticate']).toBeUndefined();
      const res = await request(t.http)
        .post('/oauth/token')
        .type('form')
        .auth(clientId, 'some-secret')
        .send({ grant_type: 'client_credentials', ...asForm(await assertion()) });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { error: 'invalid_client', error_description: 'the client used more than one authentication method' },
      });
      expect(res.headers['www-authenticate']).toBe('Basic realm="oauth", charset="UTF-8"');
    });

    it('with another client_assertion_type, or without the assertion', async () => {
      const res = await post(t, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
        client_assertion: await assertion(),
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      const missing = await post(t, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
      });
      expect(missing.status).toBe(401);
      expect(missing.body.error).toBe('invalid_client');
    });

    it('for an unknown client, or a client registered for another method', async () => {
      expectRefused(await cc(await sign(claimsFor(t, 'no-such-client'), key)));
      const secretClient = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      expectRefused(await cc(await sign(claimsFor(t, secretClient.client_id), key)));
    });
  });

  describe('a client registered with a jwks_uri', () => {
    let keys: Awaited<ReturnType<typeof keyServer>>;
    let uriClient: string;
    let first: ClientKey;

    beforeAll(async () => {
      keys = await keyServer();
      first = await clientKey('uri-key-1', 'EdDSA');
      keys.keys = [first.publicJwk];
      const res = await register(t, {
        grant_types: ['client_credentials'],
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: keys.uri,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ jwks_uri: keys.uri });
      expect(res.body.client_secret).toBeUndefined();
      uriClient = res.body.client_id;
    });
    afterAll(() => new Promise<void>((resolve) => keys.server.close(() => resolve())));

    const cc = async (k: ClientKey) =>
      post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(await sign(claimsFor(t, uriClient), k)) });

    it('authenticates with a key fetched from the URI, fetched once for several requests', async () => {
      expect((await cc(first)).status).toBe(200);
      expect((await cc(first)).status).toBe(200);
      expect(keys.fetches()).toBe(1);
    });

    it('picks up a rotated key (a new kid) at the URI, and then refuses the retired one', async () => {
      const second = await clientKey('uri-key-2', 'RS256');
      keys.keys = [second.publicJwk];
      // An unknown kid fetches the keys again at most once per 30 seconds.
      t.clock.advance(31);
      expect((await cc(second)).status).toBe(200);
      expectRefused(await cc(first));
      expect((await cc(second)).status).toBe(200);
    });
  });
});

describe('private_key_jwt registration through the admin API', () => {
  let t: TestApp;
  let key: ClientKey;
  let admin: string;

  beforeAll(async () => {
    delete process.env.REDIS_URL;
    t = await startTestApp({ env: { JWKS_URI_ALLOW_PRIVATE: 'false' } });
    key = await clientKey('admin-case-key');
    admin = `Bearer ${await t.adminToken()}`;
  });
  afterAll(async () => {
    await t.close();
    delete process.env.JWKS_URI_ALLOW_PRIVATE;
  });

  const base = { grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'private_key_jwt' };

  it.each([
    ['a private key in jwks', () => ({ jwks: { keys: [{ ...key.publicJwk, d: 'AAAA' }] } })],
    ['a symmetric key in jwks', () => ({ jwks: { keys: [{ kty: 'oct', kid: 'sym', k: 'c2VjcmV0' }] } })],
    ['a key without kid', () => ({ jwks: { keys: [{ ...key.publicJwk, kid: undefined }] } })],
    ['two keys with one kid', () => ({ jwks: { keys: [key.publicJwk, { ...key.publicJwk }] } })],
    ['a key of another curve', () => ({ jwks: { keys: [{ ...key.publicJwk, crv: 'P-384' }] } })],
    ['an empty key set', () => ({ jwks: { keys: [] } })],
    ['both jwks and jwks_uri', () => ({ jwks: { keys: [key.publicJwk] }, jwks_uri: 'https://keys.example/jwks.json' })],
    ['neither jwks nor jwks_uri', () => ({})],
    ['a loopback jwks_uri without JWKS_URI_ALLOW_PRIVATE', () => ({ jwks_uri: 'https://127.0.0.1:8443/jwks.json' })],
    ['a localhost jwks_uri without JWKS_URI_ALLOW_PRIVATE', () => ({ jwks_uri: 'https://localhost/jwks.json' })],
    ['a private-network jwks_uri without JWKS_URI_ALLOW_PRIVATE', () => ({ jwks_uri: 'https://10.1.2.3/jwks.json' })],
    ['an http jwks_uri without JWKS_URI_ALLOW_PRIVATE', () => ({ jwks_uri: 'http://keys.example/jwks.json' })],
    [
      'jwks for a client_secret_basic client',
      () => ({ token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [key.publicJwk] } }),
    ],
  ])('refuses %s with 400 and stores nothing', async (_, fields) => {
    const client_id = `pkj-${randomUUID()}`;
    const res = await request(t.http)
      .post('/admin/clients')
      .set('authorization', admin)
      .send({ ...base, client_id, ...fields() });
    expectAdminError(res, 400);
    const stored = await request(t.http).get(`/admin/clients/${client_id}`).set('authorization', admin);
    expectAdminError(stored, 404);
  });

  it('accepts an https jwks_uri on a public name', async () => {
    const res = await request(t.http)
      .post('/admin/clients')
      .set('authorization', admin)
      .send({ ...base, jwks_uri: 'https://keys.example/jwks.json' });
    expect(res.status).toBe(201);
    expect(res.body.client_secret).toBeUndefined();
  });

  it('replaces the keys by PATCH, and refuses a change to another method', async () => {
    const created = await request(t.http)
      .post('/admin/clients')
      .set('authorization', admin)
      .send({ ...base, jwks: { keys: [key.publicJwk] } });
    expect(created.status).toBe(201);
    const id = created.body.client_id;
    const cc = async (k: ClientKey) =>
      post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(await sign(claimsFor(t, id), k)) });
    expect((await cc(key)).status).toBe(200);
    const next = await clientKey('admin-case-key-2');
    const patched = await request(t.http)
      .patch(`/admin/clients/${id}`)
      .set('authorization', admin)
      .send({ jwks: { keys: [next.publicJwk] } });
    expect(patched.status).toBe(200);
    expect(patched.body.jwks).toEqual({ keys: [next.publicJwk] });
    // The cached registration is dropped at once: the new key authenticates, the replaced one no longer does.
    expect((await cc(next)).status).toBe(200);
    expectRefused(await cc(key));
    const toUri = await request(t.http)
      .patch(`/admin/clients/${id}`)
      .set('authorization', admin)
      .send({ jwks_uri: 'https://keys.example/other.json' });
    expect(toUri.status).toBe(200);
    expect(toUri.body.jwks).toBeUndefined();
    expect(toUri.body.jwks_uri).toBe('https://keys.example/other.json');
    const bad = await request(t.http)
      .patch(`/admin/clients/${id}`)
      .set('authorization', admin)
      .send({ jwks: { keys: [{ ...next.publicJwk, d: 'AAAA' }] } });
    expectAdminError(bad, 400);
    const toSecret = await request(t.http)
      .patch(`/admin/clients/${id}`)
      .set('authorization', admin)
      .send({ token_endpoint_auth_method: 'client_secret_basic' });
    expectAdminError(toSecret, 400);
  });
});

describe('private_key_jwt on two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let key: ClientKey;
  let clientId: string;

  beforeAll(async () => {
    const env = { REDIS_URL, JWKS_URI_ALLOW_PRIVATE: 'false' };
    [a, b] = await startTwoInstances(env);
    key = await clientKey('shared-key');
    ({ client_id: clientId } = await a.createClient({
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk as Record<string, string>] },
    }));
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    delete process.env.REDIS_URL;
    delete process.env.JWKS_URI_ALLOW_PRIVATE;
  });

  it('refuses on one instance an assertion already used on the other', async () => {
    const once = await sign(claimsFor(a, clientId), key);
    const form = { grant_type: 'client_credentials', ...asForm(once) };
    expect((await post(a, '/oauth/token', form)).status).toBe(200);
    expectRefused(await post(b, '/oauth/token', form));
    const fresh = await sign(claimsFor(b, clientId), key);
    expect((await post(b, '/oauth/token', { grant_type: 'client_credentials', ...asForm(fresh) })).status).toBe(200);
  });
});

/** Every line the server logs, at the most verbose level. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

describe('private_key_jwt in the logs, and without its replay cache', () => {
  let t: TestApp;
  let key: ClientKey;
  let clientId: string;
  const capture = new Capture();

  beforeAll(async () => {
    delete process.env.REDIS_URL;
    t = await startTestApp({ env: { JWKS_URI_ALLOW_PRIVATE: 'false' }, logger: new JsonLogger('verbose', capture) });
    key = await clientKey('logged-key');
    ({ client_id: clientId } = await t.createClient({
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk as Record<string, string>] },
    }));
  });
  afterAll(async () => {
    await t.close();
    delete process.env.JWKS_URI_ALLOW_PRIVATE;
  });

  it('logs why an assertion was refused, never the assertion or a private key', async () => {
    const sent: string[] = [];
    const cc = async (overrides: Claims, k = key) => {
      const a = await sign(claimsFor(t, clientId, overrides), k);
      sent.push(a);
      return post(t, '/oauth/token', { grant_type: 'client_credentials', ...asForm(a) });
    };
    expect((await cc({})).status).toBe(200);
    expectRefused(await cc({ aud: 'https://elsewhere.example' }));
    expectRefused(await cc({}, await clientKey(key.kid)));
    const reasons = capture.lines.filter((l) => l.includes('client assertion of'));
    expect(reasons).toEqual([
      expect.stringContaining(`client assertion of ${clientId} refused: client_assertion aud must be`),
      expect.stringContaining(`client assertion of ${clientId} refused: client_assertion signature does not verify`),
    ]);
    const privateD = (await exportJWK(key.privateKey)).d as string;
    for (const line of capture.lines) {
      for (const a of sent) expect(line).not.toContain(a.split('.')[2]);
      expect(line).not.toContain(privateD);
    }
  });
});

describe('private_key_jwt when Redis does not answer', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Nothing listens on port 1: every replay-cache command fails.
    t = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1', JWKS_URI_ALLOW_PRIVATE: 'false' } });
  });
  afterAll(async () => {
    await t.close();
    delete process.env.REDIS_URL;
    delete process.env.JWKS_URI_ALLOW_PRIVATE;
  });

  it('refuses an assertion it cannot check for replay with 503 temporarily_unavailable', async () => {
    const key = await clientKey('no-redis-key');
    const { client_id } = await t.createClient({
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk as Record<string, string>] },
    });
    const res = await post(t, '/oauth/token', {
      grant_type: 'client_credentials',
      ...asForm(await sign(claimsFor(t, client_id), key)),
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'the service is temporarily unavailable, retry later',
      },
    });
    expect(res.headers).toMatchObject({ ...NO_STORE, 'retry-after': '5' });
  });
});

function claimsFromJwt(jwt: string): Claims {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Claims;
}
