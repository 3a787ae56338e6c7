import type { INestApplication } from '@nestjs/common';
import { base64url, decodeJwt, type JWTHeaderParameters, SignJWT } from 'jose';
import request from 'supertest';
import { refreshTokenKey } from '#oauth';
import { RefreshTokenRepository } from '#persistence';
import { Browser, codeRequest } from './support/authorization-flow.js';
import { freePort, startDemo } from './support/demo-server.js';
import { dpopKey, type DpopKey, dpopProof, type ProofClaims, tokenWithProof } from './support/dpop-client.js';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basic,
  startTestApp,
  type TestApp,
  TestClock,
  startTwoInstances,
} from './support/test-app.js';

const CALLBACK = 'https://notes.example/cb';
const ALGS = 'ES256 EdDSA RS256 PS256';
const BOUND_WITHOUT_KEY = {
  error: 'invalid_grant',
  error_description: 'the refresh token is bound to a DPoP key the request did not prove',
};

describe('DPoP (RFC 9449): sender-constrained tokens, as a client uses them', () => {
  const demoClock = new TestClock();
  let t: TestApp;
  let issuer: string;
  let tokenUrl: string;
  let demo: INestApplication;
  let api: string;
  let notesApp: { client_id: string };
  let service: { client_id: string; client_secret?: string };
  let alice: DpopKey;
  let mallory: DpopKey;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    tokenUrl = `${issuer}/oauth/token`;
    t = await startTestApp({ port, env: { ISSUER: issuer, DPOP_NONCE_REQUIRED: 'false' } });
    ({ demo, api } = await startDemo(issuer, demoClock));
    notesApp = await t.createClient({
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read write',
      token_endpoint_auth_method: 'none',
      redirect_uris: [CALLBACK],
    });
    service = await t.createClient({
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      scope: 'read',
      introspection_allowed: true,
    });
    await t.createUser('dora', 'dora-password-1');
    [alice, mallory] = await Promise.all([dpopKey(), dpopKey()]);
  });
  afterAll(async () => {
    await demo?.close();
    await t?.close();
  });

  const now = () => Math.floor(t.clock.now() / 1000);
  const proof = (key: DpopKey, claims: Partial<ProofClaims> = {}, header?: Record<string, unknown>) =>
    dpopProof(key, { htu: tokenUrl, iat: now(), ...claims }, header);

  /** POST /oauth/token with a DPoP header (or several). */
  const tokenWith = (
    dpop: string | string[] | undefined,
    form: Record<string, string>,
    auth?: { id: string; secret: string },
  ) => tokenWithProof(t.http, dpop, form, auth);

  async function authorizationCode(extra: Record<string, string> = {}): Promise<{ code: string; verifier: string }> {
    const { path, pkce } = codeRequest({
      client_id: notesApp.client_id,
      redirect_uri: CALLBACK,
      scope: 'read',
      state: 's',
      ...extra,
    });
    const location = await new Browser(t.http).authorize(path, 'dora', 'dora-password-1');
    return { code: location.searchParams.get('code')!, verifier: pkce.verifier };
  }

  const exchangeForm = (code: string, verifier: string) => ({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: CALLBACK,
    client_id: notesApp.client_id,
  });

  const refreshForm = (refreshToken: string) => ({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: notesApp.client_id,
  });

  /** The code flow of a public client that holds `key`: its first tokens, bound to the key. */
  async function boundTokens(key = alice) {
    const { code, verifier } = await authorizationCode();
    const res = await tokenWith(await proof(key), exchangeForm(code, verifier));
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string; token_type: string };
  }

  /** What is stored about a refresh token, and how many tokens and audit events exist. */
  async function stored(refreshToken: string) {
    const token = await t.app.get(RefreshTokenRepository).find(refreshTokenKey(refreshToken)!);
    const admin = await request(t.http)
      .get(`/admin/refresh-tokens/${token!.id}`)
      .set('Authorization', `Bearer ${await t.adminToken()}`);
    const count = async (path: string) =>
      (
        await request(t.http)
          .get(path)
          .query({ limit: 500 })
          .set('Authorization', `Bearer ${await t.adminToken()}`)
      ).body.items.length as number;
    return {
      status: admin.body.status as string,
      dpop_jkt: admin.body.dpop_jkt as string | null,
      used_at: token!.used_at,
      family_revoked_at: token!.family_revoked_at,
      tokens: await count('/admin/refresh-tokens'),
      audit: await count('/admin/audit-events'),
    };
  }

  it('publishes the proof algorithms in the metadata (RFC 9449 5.1)', async () => {
    const res = await request(t.http).get('/.well-known/oauth-authorization-server');
    expect(res.body.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'RS256', 'PS256']);
  });

  describe('a public client in the code flow', () => {
    it('gets DPoP-bound tokens: token_type DPoP, cnf.jkt in the access token, the family bound to its key', async () => {
      const tokens = await boundTokens();
      expect(tokens.token_type).toBe('DPoP');
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: alice.jkt });
      const state = await stored(tokens.refresh_token);
      expect(state).toMatchObject({ status: 'active', dpop_jkt: alice.jkt });
    });

    it('refuses its stolen refresh token without the key or with another key, leaving it to the rightful client', async () => {
      const tokens = await boundTokens();
      const before = await stored(tokens.refresh_token);
      const thefts = [
        await tokenWith(undefined, refreshForm(tokens.refresh_token)),
        await tokenWith(await proof(mallory), refreshForm(tokens.refresh_token)),
      ];
      for (const res of thefts) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual(BOUND_WITHOUT_KEY);
        expect(res.headers['cache-control']).toBe('no-store');
      }
      expect(await stored(tokens.refresh_token)).toEqual(before);
      expect(before).toMatchObject({ status: 'active', used_at: null, family_revoked_at: null });

      let refreshToken = tokens.refresh_token;
      for (let i = 0; i < 3; i += 1) {
        const res = await tokenWith(await proof(alice), refreshForm(refreshToken));
        expect(res.status).toBe(200);
        expect(res.body.token_type).toBe('DPoP');
        expect(decodeJwt(res.body.access_token).cnf).toEqual({ jkt: alice.jkt });
        expect(res.body.refresh_token).not.toBe(refreshToken);
        refreshToken = res.body.refresh_token;
        const theft = await tokenWith(await proof(mallory), refreshForm(refreshToken));
        expect(theft.body).toEqual(BOUND_WITHOUT_KEY);
      }
      expect(await stored(refreshToken)).toMatchObject({ status: 'active', dpop_jkt: alice.jkt });
    });

    it('refuses a rotated bound token presented without the key as unbound, not as a replay: the family lives on', async () => {
      const tokens = await boundTokens();
      const next = await tokenWith(await proof(alice), refreshForm(tokens.refresh_token));
      const replay = await tokenWith(await proof(mallory), refreshForm(tokens.refresh_token));
      expect(replay.body).toEqual(BOUND_WITHOUT_KEY);
      expect((await tokenWith(await proof(alice), refreshForm(next.body.refresh_token))).status).toBe(200);
    });

    it('holds the key on the path that narrows the scope too', async () => {
      const tokens = await boundTokens();
      const narrowed = { ...refreshForm(tokens.refresh_token), scope: 'read' };
      expect((await tokenWith(await proof(mallory), narrowed)).body).toEqual(BOUND_WITHOUT_KEY);
      expect((await stored(tokens.refresh_token)).used_at).toBeNull();
      const res = await tokenWith(await proof(alice), narrowed);
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('read');
    });

    it('exchanges a code requested with dpop_jkt (RFC 9449 10) only with a proof of that key', async () => {
      const { code, verifier } = await authorizationCode({ dpop_jkt: alice.jkt });
      const refused = {
        error: 'invalid_grant',
        error_description: 'the authorization code is bound to a DPoP key the request did not prove',
      };
      expect((await tokenWith(await proof(mallory), exchangeForm(code, verifier))).body).toEqual(refused);
      expect((await tokenWith(undefined, exchangeForm(code, verifier))).body).toEqual(refused);
      const res = await tokenWith(await proof(alice), exchangeForm(code, verifier));
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).cnf).toEqual({ jkt: alice.jkt });
    });

    it('still revokes the family when the rightful key replays a rotated token', async () => {
      const tokens = await boundTokens();
      await tokenWith(await proof(alice), refreshForm(tokens.refresh_token));
      const replay = await tokenWith(await proof(alice), refreshForm(tokens.refresh_token));
      expect(replay.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token was already used; the grant has been revoked',
      });
    });
  });

  describe('a bad proof: 400 invalid_dpop_proof, and nothing stored changes', () => {
    const description = (res: request.Response) => res.body.error_description as string;
    const cases: [string, () => Promise<string | string[]>, RegExp][] = [
      ['wrong typ', () => proof(alice, {}, { typ: 'JWT' }), /typ must be dpop\+jwt/],
      [
        'alg none',
        async () => {
          const enc = (o: object) => base64url.encode(JSON.stringify(o));
          return `${enc({ alg: 'none', typ: 'dpop+jwt', jwk: alice.publicJwk })}.${enc({ htm: 'POST', htu: tokenUrl, iat: now(), jti: 'n' })}.`;
        },
        /compact JWS/,
      ],
      [
        'HS256',
        () =>
          new SignJWT({ htm: 'POST', htu: tokenUrl, iat: now(), jti: 'hs' })
            .setProtectedHeader({
              alg: 'HS256',
              typ: 'dpop+jwt',
              jwk: { kty: 'oct', k: 'c2VjcmV0' },
            } as JWTHeaderParameters)
            .sign(new Uint8Array(32)),
        /alg must be one of/,
      ],
      ['the private key in the header jwk', () => proof(alice, {}, { jwk: alice.privateJwk }), /without private parts/],
      ['wrong htm', () => proof(alice, { htm: 'GET' }), /htm must be POST/],
      ['wrong htu', () => proof(alice, { htu: `${issuer}/oauth/revoke` }), /htu must be/],
      ['another host in htu', () => proof(alice, { htu: 'https://evil.example/oauth/token' }), /htu must be/],
      ['an old iat', () => proof(alice, { iat: now() - 66 }), /too old/],
      ['a future iat', () => proof(alice, { iat: now() + 6 }), /in the future/],
      ['no jti', () => proof(alice, { jti: undefined }), /jti/],
      [
        'a bad signature',
        async () => {
          const [h, , s] = (await proof(alice)).split('.');
          const [, p] = (await proof(mallory)).split('.');
          return `${h}.${p}.${s}`;
        },
        /signature does not verify/,
      ],
      ['two DPoP headers', async () => [await proof(alice), await proof(alice)], /exactly one DPoP header/],
    ];

    it.each(cases)('refuses %s at a refresh, and the token stays unused', async (_, make, message) => {
      const tokens = await boundTokens();
      const before = await stored(tokens.refresh_token);
      const res = await tokenWith(await make(), refreshForm(tokens.refresh_token));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: expect.any(String) });
      expect(description(res)).toMatch(message);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await stored(tokens.refresh_token)).toEqual(before);
      expect((await tokenWith(await proof(alice), refreshForm(tokens.refresh_token))).status).toBe(200);
    });

    it('refuses a bad proof at the code exchange without consuming the code', async () => {
      const { code, verifier } = await authorizationCode();
      const bad = await tokenWith(await proof(alice, { htm: 'PUT' }), exchangeForm(code, verifier));
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_dpop_proof');
      const good = await tokenWith(await proof(alice), exchangeForm(code, verifier));
      expect(good.status).toBe(200);
      expect(good.body.token_type).toBe('DPoP');
    });

    it('refuses a proof presented a second time on the same instance', async () => {
      const used = await proof(alice);
      expect((await tokenWith(used, { grant_type: 'client_credentials' }, basic(service))).status).toBe(200);
      const again = await tokenWith(used, { grant_type: 'client_credentials' }, basic(service));
      expect(again.status).toBe(400);
      expect(again.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'the DPoP proof was already used' });
    });
  });

  describe('a confidential client', () => {
    it('gets cnf.jkt on its access token; its refresh tokens stay bound by its authentication', async () => {
      const cc = await tokenWith(await proof(alice), { grant_type: 'client_credentials' }, basic(service));
      expect(cc.body.token_type).toBe('DPoP');
      expect(decodeJwt(cc.body.access_token).cnf).toEqual({ jkt: alice.jkt });
      const login = await tokenWith(
        await proof(alice),
        { grant_type: 'password', username: 'dora', password: 'dora-password-1' },
        basic(service),
      );
      expect(login.body.token_type).toBe('DPoP');
      expect((await stored(login.body.refresh_token)).dpop_jkt).toBeNull();
      const plain = await tokenWith(
        undefined,
        { grant_type: 'refresh_token', refresh_token: login.body.refresh_token },
        basic(service),
      );
      expect(plain.status).toBe(200);
      expect(plain.body.token_type).toBe('Bearer');
      expect(decodeJwt(plain.body.access_token).cnf).toBeUndefined();
    });

    it('is refused without a proof when registered with dpop_bound_access_tokens (RFC 9449 5.2)', async () => {
      const bound = await t.createClient({
        grant_types: ['client_credentials'],
        scope: 'read',
        dpop_bound_access_tokens: true,
      });
      const res = await tokenWith(undefined, { grant_type: 'client_credentials' }, basic(bound));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'a DPoP proof is required: the client is registered with dpop_bound_access_tokens',
      });
      const withProof = await tokenWith(await proof(alice), { grant_type: 'client_credentials' }, basic(bound));
      expect(withProof.body.token_type).toBe('DPoP');
      const shown = await request(t.http)
        .get(`/admin/clients/${bound.client_id}`)
        .set('Authorization', `Bearer ${await t.adminToken()}`);
      expect(shown.body.dpop_bound_access_tokens).toBe(true);
    });
  });

  describe('introspection (RFC 9449 6.2)', () => {
    const introspect = (token: string) =>
      request(t.http)
        .post('/oauth/introspect')
        .type('form')
        .auth(service.client_id, service.client_secret!)
        .send({ token });

    it('shows token_type DPoP and cnf.jkt for a bound access token, cnf.jkt for a bound refresh token', async () => {
      const tokens = await boundTokens();
      const access = await introspect(tokens.access_token);
      expect(access.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: alice.jkt } });
      const refresh = await introspect(tokens.refresh_token);
      expect(refresh.body).toMatchObject({ active: true, token_type: 'refresh_token', cnf: { jkt: alice.jkt } });
      const cc = await tokenWith(undefined, { grant_type: 'client_credentials' }, basic(service));
      const plain = await introspect(cc.body.access_token);
      expect(plain.body.token_type).toBe('Bearer');
      expect(plain.body).not.toHaveProperty('cnf');
    });
  });

  describe('at a resource server (the demo, through #resource-guard)', () => {
    const profile = `/api/profile`;
    const resourceProof = async (key: DpopKey, token: string, claims: Partial<ProofClaims> = {}) =>
      dpopProof(key, {
        htm: 'GET',
        htu: `${api}${profile}`,
        iat: Math.floor(Date.now() / 1000),
        accessToken: token,
        ...claims,
      });

    it('admits a bound token with the DPoP scheme and a proof of its key', async () => {
      const { access_token } = await boundTokens();
      const res = await request(api)
        .get(profile)
        .set('Authorization', `DPoP ${access_token}`)
        .set('DPoP', await resourceProof(alice, access_token));
      expect(res.status).toBe(200);
      expect(res.body.client_id).toBe(notesApp.client_id);
    });

    it('refuses a bound token presented as Bearer', async () => {
      const { access_token } = await boundTokens();
      const res = await request(api).get(profile).set('Authorization', `Bearer ${access_token}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        `DPoP realm="api", error="invalid_token", error_description="the access token is DPoP-bound: present it with the DPoP scheme and a proof", algs="${ALGS}"`,
      );
    });

    it.each([
      ['signed by another key', (token: string) => resourceProof(mallory, token), /not signed with the key/],
      ['without ath', (token: string) => resourceProof(alice, token, { accessToken: undefined }), /ath/],
      ['for another URL', (token: string) => resourceProof(alice, token, { htu: `${api}/api/notes` }), /htu/],
      ['missing', async () => undefined, /missing/],
    ])('refuses a proof %s with invalid_dpop_proof', async (_, make, message) => {
      const { access_token } = await boundTokens();
      const req = request(api).get(profile).set('Authorization', `DPoP ${access_token}`);
      const dpop = await make(access_token);
      if (dpop !== undefined) req.set('DPoP', dpop);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_dpop_proof');
      expect(res.body.error_description).toMatch(message);
      expect(res.headers['www-authenticate']).toMatch(
        /^DPoP realm="api", error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 EdDSA RS256 PS256"$/,
      );
    });

    it('refuses a proof replayed at the resource', async () => {
      const { access_token } = await boundTokens();
      const dpop = await resourceProof(alice, access_token);
      const send = () => request(api).get(profile).set('Authorization', `DPoP ${access_token}`).set('DPoP', dpop);
      expect((await send()).status).toBe(200);
      expect((await send()).body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'the DPoP proof was already used',
      });
    });

    it('still admits an unbound token as Bearer, and refuses it under the DPoP scheme', async () => {
      const cc = await tokenWith(undefined, { grant_type: 'client_credentials' }, basic(service));
      expect((await request(api).get(profile).set('Authorization', `Bearer ${cc.body.access_token}`)).status).toBe(200);
      const res = await request(api)
        .get(profile)
        .set('Authorization', `DPoP ${cc.body.access_token}`)
        .set('DPoP', await resourceProof(alice, cc.body.access_token));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^DPoP realm="api", error="invalid_token"/);
    });
  });

  describe('the admin API (libs/bearer, as everywhere)', () => {
    async function dpopAdminToken(): Promise<string> {
      const res = await tokenWith(
        await proof(alice),
        { grant_type: 'client_credentials' },
        { id: ADMIN_CLIENT_ID, secret: ADMIN_CLIENT_SECRET },
      );
      expect(res.body.token_type).toBe('DPoP');
      return res.body.access_token;
    }

    it('admits a DPoP-bound admin token with a proof of this request, and refuses it as Bearer or with a wrong proof', async () => {
      const token = await dpopAdminToken();
      const path = `/admin/clients/${notesApp.client_id}`;
      const adminProof = (key: DpopKey, htu = `${issuer}${path}`) =>
        dpopProof(key, { htm: 'GET', htu, iat: now(), accessToken: token });
      const ok = await request(t.http)
        .get(path)
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await adminProof(alice));
      expect(ok.status).toBe(200);
      const bearer = await request(t.http).get(path).set('Authorization', `Bearer ${token}`);
      expect(bearer.status).toBe(401);
      expect(bearer.headers['www-authenticate']).toMatch(/^DPoP realm="admin", error="invalid_token"/);
      const wrongKey = await request(t.http)
        .get(path)
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await adminProof(mallory));
      expect(wrongKey.status).toBe(401);
      expect(wrongKey.headers['www-authenticate']).toMatch(/^DPoP realm="admin", error="invalid_dpop_proof"/);
      const otherPath = await request(t.http)
        .get(path)
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await adminProof(alice, `${issuer}/admin/clients`));
      expect(otherPath.status).toBe(401);
    });
  });
});

describe('DPoP nonces (RFC 9449 8, DPOP_NONCE_REQUIRED=true)', () => {
  let t: TestApp;
  let client: { client_id: string; client_secret?: string };
  let key: DpopKey;

  beforeAll(async () => {
    t = await startTestApp({ env: { DPOP_NONCE_REQUIRED: 'true' } });
    client = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
    key = await dpopKey('EdDSA');
  });
  afterAll(() => t.close());

  it('answers a proof without a nonce use_dpop_nonce with a DPoP-Nonce, and accepts the retry carrying it', async () => {
    const proofWith = (nonce?: string) =>
      dpopProof(key, { htu: 'http://issuer.test/oauth/token', iat: Math.floor(t.clock.now() / 1000), nonce });
    const send = (dpop: string) => tokenWithProof(t.http, dpop, { grant_type: 'client_credentials' }, basic(client));
    const first = await send(await proofWith());
    expect(first.status).toBe(400);
    expect(first.body).toEqual({
      error: 'use_dpop_nonce',
      error_description: 'the DPoP proof must carry the nonce the server issued',
    });
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[\w-]{20,}$/);
    expect((await send(await proofWith('forged-nonce'))).body.error).toBe('use_dpop_nonce');
    const retry = await send(await proofWith(nonce));
    expect(retry.status).toBe(200);
    expect(retry.body.token_type).toBe('DPoP');
  });
});

describe('DPoP proofs across two instances sharing Redis', () => {
  const shared = { REDIS_URL: 'redis://127.0.0.1:6379', DPOP_NONCE_REQUIRED: 'false' };
  let a: TestApp;
  let b: TestApp;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    [a, b] = await startTwoInstances(shared);
    client = await a.createClient({ grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('refuses on one instance a proof the other accepted', async () => {
    const key = await dpopKey();
    const dpop = await dpopProof(key, { htu: 'http://issuer.test/oauth/token', iat: Math.floor(a.clock.now() / 1000) });
    const send = (app: TestApp) => tokenWithProof(app.http, dpop, { grant_type: 'client_credentials' }, basic(client));
    const first = await send(a);
    expect(first.status).toBe(200);
    expect(first.body.token_type).toBe('DPoP');
    const replay = await send(b);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'the DPoP proof was already used' });
  });
});
