import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { accessTokenHash } from '#oauth';
import request from 'supertest';
import { startGuardedApp } from './testing/guarded-test-app.js';
import { type JwksTestServer, startJwksServer } from './testing/jwks-test-server.js';
import {
  signAccessToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestSigningKey,
  testSigningKey,
  unsecuredToken,
} from './testing/test-tokens.js';

class MovableClock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

const invalidToken = (description: string) =>
  `Bearer realm="api", error="invalid_token", error_description="${description}"`;

/** One request with two Authorization header lines, which HTTP clients would merge. */
async function twoAuthorizationHeaders(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.end(
    'GET /read HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n',
  );
  let response = '';
  for await (const chunk of socket) response += String(chunk);
  return response;
}

describe('AccessTokenGuard (RFC 6750, RFC 9068)', () => {
  const clock = new MovableClock();
  let es256: TestSigningKey;
  let ed25519: TestSigningKey;
  let rsa: TestSigningKey;
  let jwks: JwksTestServer;
  let app: INestApplication;
  let http: string;

  beforeAll(async () => {
    [es256, ed25519, rsa] = await Promise.all([
      testSigningKey('es256-key'),
      testSigningKey('ed-key', 'EdDSA'),
      testSigningKey('rs-key', 'RS256'),
    ]);
    jwks = await startJwksServer([es256, ed25519, rsa].map((k) => k.publicJwk));
    app = await startGuardedApp({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUri: jwks.uri, clock });
    http = await app.getUrl();
  });
  afterAll(async () => {
    await app.close();
    await jwks.close();
  });
  afterEach(() => {
    clock.offset = 0;
  });

  const get = (path: string, token?: string) => {
    const req = request(http).get(path);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  describe('a valid access token', () => {
    it('is admitted, and the handler gets its verified claims', async () => {
      const res = await get('/read', await signAccessToken(es256, { sub: 'user-7', client_id: 'app-1' }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-7', client_id: 'app-1' });
    });

    it('is admitted when signed with EdDSA or RS256 as well', async () => {
      expect((await get('/read', await signAccessToken(ed25519))).status).toBe(200);
      expect((await get('/read', await signAccessToken(rsa))).status).toBe(200);
    });

    it('is admitted when its aud is a list that contains the audience', async () => {
      const token = await signAccessToken(es256, { aud: ['https://other.test', TEST_AUDIENCE] });
      expect((await get('/read', token)).status).toBe(200);
    });

    it('is admitted within the clock tolerance (5 s) after exp', async () => {
      const exp = Math.floor(Date.now() / 1000) - 3;
      expect((await get('/read', await signAccessToken(es256, { exp }))).status).toBe(200);
    });

    it('passes a route that needs no scope even without a scope claim', async () => {
      const token = await signAccessToken(es256, { scope: undefined, client_id: 'app-2' });
      expect((await get('/any-token', token)).body).toEqual({ client_id: 'app-2' });
    });
  });

  describe('without a token (RFC 6750 3.1: no error code)', () => {
    it.each([
      ['no Authorization header', {}],
      ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ])('answers 401 with a bare challenge for %s', async (_case, headers) => {
      const res = await request(http).get('/read').set(headers);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(res.body).toEqual({ error_description: 'an access token is required' });
    });

    it('never reads the token from the query (RFC 6750 2.1: the header only)', async () => {
      const res = await request(http)
        .get('/read')
        .query({ access_token: await signAccessToken(es256) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('leaves unguarded routes open', async () => {
      expect((await get('/open')).body).toEqual({ open: true });
    });
  });

  describe('malformed credentials (RFC 6750 3.1: invalid_request)', () => {
    it('answers 400 for two tokens in the header', async () => {
      const res = await request(http).get('/read').set('Authorization', 'Bearer a b');
      const description = 'the Authorization header must be Bearer followed by exactly one token';
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="api", error="invalid_request", error_description="${description}"`,
      );
      expect(res.body).toEqual({ error: 'invalid_request', error_description: description });
    });

    it('answers 400 for a token in the query as well as in the header (RFC 6750 2: one method)', async () => {
      const token = await signAccessToken(es256);
      const res = await get('/read', token).query({ access_token: token });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'an access token in the query as well' });
    });

    it('answers 400 for two Authorization headers', async () => {
      const response = await twoAuthorizationHeaders(http);
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect(response).toContain('"error":"invalid_request"');
      expect(response).toContain('more than one Authorization header');
    });
  });

  describe('unacceptable tokens (RFC 6750 3.1: 401 invalid_token)', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Promise<string> | string, string][] = [
      ['an expired token', () => signAccessToken(es256, { exp: now() - 60 }), 'the access token expired'],
      ['a token not valid yet', () => signAccessToken(es256, { nbf: now() + 60 }), 'the access token is not valid yet'],
      ['another issuer', () => signAccessToken(es256, { iss: 'https://evil.test' }), 'the iss claim is not accepted'],
      [
        'another audience',
        () => signAccessToken(es256, { aud: 'https://other.test' }),
        'the aud claim is not accepted',
      ],
      [
        'an ID token (typ JWT)',
        () => signAccessToken(es256, {}, { typ: 'JWT' }),
        'the token is not an access token (typ must be at+jwt)',
      ],
      [
        'a JWT without typ',
        () => signAccessToken(es256, {}, { typ: undefined }),
        'the token is not an access token (typ must be at+jwt)',
      ],
      [
        'no client_id',
        () => signAccessToken(es256, { client_id: undefined }),
        'the access token has no client_id claim',
      ],
      ['no jti', () => signAccessToken(es256, { jti: undefined }), 'the access token has no jti claim'],
      ['a non-string scope', () => signAccessToken(es256, { scope: 5 }), 'the access token has malformed claims'],
      ['a bad signature', async () => signAccessToken(await testSigningKey('es256-key')), 'the signature is invalid'],
      [
        'an unknown key',
        async () => signAccessToken(await testSigningKey('foreign')),
        'the access token is signed with an unknown key',
      ],
      ['alg none', () => unsecuredToken(), 'the signing algorithm is not accepted'],
      [
        'HS256 with a shared secret',
        () => new SignJWT({ sub: 'c' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(randomBytes(32)),
        'the signing algorithm is not accepted',
      ],
      [
        'a refresh token (asrt_)',
        () => `asrt_${randomBytes(32).toString('base64url')}`,
        'the access token is malformed',
      ],
      ['a token of 9000 characters', () => 'a'.repeat(9000), 'the access token is too long'],
    ];

    it.each(cases)('rejects %s', async (_case, token, description) => {
      const res = await get('/read', await token());
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken(description));
      expect(res.body).toEqual({ error: 'invalid_token', error_description: description });
    });

    it('checks exp against the injected clock, not the system time', async () => {
      const token = await signAccessToken(es256);
      expect((await get('/read', token)).status).toBe(200);
      clock.offset = (300 + 6) * 1000;
      expect((await get('/read', token)).headers['www-authenticate']).toBe(invalidToken('the access token expired'));
    });
  });

  describe('scope (RFC 6750 3.1: 403 insufficient_scope)', () => {
    it('answers 403 naming every scope the route needs', async () => {
      const res = await get('/read-write', await signAccessToken(es256, { scope: 'read' }));
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="insufficient_scope", scope="read write"',
      );
      expect(res.body).toEqual({
        error: 'insufficient_scope',
        error_description: 'the request needs the scope read write',
      });
    });

    it('answers 403 to a token without a scope claim', async () => {
      expect((await get('/read', await signAccessToken(es256, { scope: undefined }))).status).toBe(403);
    });

    it('admits a token with every needed scope, in any order', async () => {
      const res = await get('/read-write', await signAccessToken(es256, { sub: 'u1', scope: 'write admin read' }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'u1' });
    });
  });
  describe('DPoP-bound tokens (RFC 9449 7)', () => {
    async function holder() {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      return { jwk, privateKey, jkt: await calculateJwkThumbprint(jwk) };
    }
    const proof = (k: Awaited<ReturnType<typeof holder>>, token: string, htu = `${http}/read`) =>
      new SignJWT({
        htm: 'GET',
        htu,
        iat: Math.floor(clock.now() / 1000),
        jti: randomBytes(8).toString('hex'),
        ath: accessTokenHash(token),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk })
        .sign(k.privateKey);

    it('admits a bound token under the DPoP scheme with a proof of its key, for this URL', async () => {
      const k = await holder();
      const token = await signAccessToken(es256, { cnf: { jkt: k.jkt } });
      const res = await request(http)
        .get('/read')
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await proof(k, token));
      expect(res.status).toBe(200);
      expect(res.body.cnf).toEqual({ jkt: k.jkt });
    });

    it('refuses it as Bearer, with another key, or for another URL, with a DPoP challenge', async () => {
      const [k, other] = await Promise.all([holder(), holder()]);
      const token = await signAccessToken(es256, { cnf: { jkt: k.jkt } });
      const asBearer = await get('/read', token);
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers['www-authenticate']).toMatch(/^DPoP realm="api", error="invalid_token", .*algs="/);
      for (const dpop of [await proof(other, token), await proof(k, token, `${http}/read-write`)]) {
        const res = await request(http).get('/read').set('Authorization', `DPoP ${token}`).set('DPoP', dpop);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^DPoP realm="api", error="invalid_dpop_proof", /);
      }
    });
  });
});
