import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashSecret } from '#oauth';
import { Browser, authorizeUrl, codeRequest, formFields, pkcePair } from './support/authorization-flow.js';
import { type TestApp, ISSUER, basic, startTestApp } from './support/test-app.js';

const APP_CB = 'https://app.example/cb';
const NATIVE_CB = 'http://127.0.0.1/callback';

describe('authorization code flow with PKCE (RFC 6749 4.1, RFC 7636, RFC 9207)', () => {
  let t: TestApp;
  let spa: { client_id: string };
  let web: { client_id: string; client_secret?: string };
  let user: { id: string };

  beforeAll(async () => {
    t = await startTestApp();
    spa = await t.createClient({
      client_name: 'Photo <Viewer> & "Co"',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read write offline_access',
      token_endpoint_auth_method: 'none',
      redirect_uris: [APP_CB, NATIVE_CB],
    });
    web = await t.createClient({
      client_name: 'Web app',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read',
      redirect_uris: [APP_CB],
    });
    user = await t.createUser('grace', 'grace-password-1');
  });
  afterAll(() => t.close());

  function spaRequest(extra: Record<string, string | undefined> = {}) {
    return codeRequest({ client_id: spa.client_id, redirect_uri: APP_CB, scope: 'read', state: 'xyz-state', ...extra });
  }

  function exchange(code: string, verifier: string | undefined, extra: Record<string, string> = {}) {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: APP_CB,
      client_id: spa.client_id,
      ...extra,
    };
    if (verifier !== undefined) form.code_verifier = verifier;
    return t.token(form);
  }

  async function codeFor(browser = new Browser(t.http), extra: Record<string, string | undefined> = {}) {
    const { path, pkce } = spaRequest(extra);
    const location = await browser.authorize(path, 'grace', 'grace-password-1');
    return { code: location.searchParams.get('code')!, location, pkce, browser };
  }

  describe('the whole flow', () => {
    it('signs in, asks consent, redirects with code, state and iss, and exchanges the code with PKCE for both tokens', async () => {
      const browser = new Browser(t.http);
      const { path, pkce } = spaRequest();
      const login = await browser.open(path);
      expect(login.status).toBe(200);
      expect(login.headers['content-type']).toMatch(/^text\/html/);
      expect(login.text).toContain('Sign in');
      const signedIn = await browser.signIn(login.text, 'grace', 'grace-password-1');
      expect(signedIn.status).toBe(303);
      const consent = await browser.open(signedIn.headers.location);
      expect(consent.status).toBe(200);
      expect(consent.text).toContain('Allow access?');
      expect(consent.text).toContain('<li>read</li>');
      const back = await browser.decide(consent.text, 'allow');
      expect(back.status).toBe(303);
      const location = new URL(back.headers.location);
      expect(`${location.origin}${location.pathname}`).toBe(APP_CB);
      expect(location.searchParams.get('state')).toBe('xyz-state');
      expect(location.searchParams.get('iss')).toBe(ISSUER);
      const code = location.searchParams.get('code')!;
      expect(code).toMatch(/^asac_[A-Za-z0-9_-]{43}$/);
      const res = await exchange(code, pkce.verifier);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        token_type: 'Bearer',
        scope: 'read',
        refresh_token: expect.stringMatching(/^asrt_/),
      });
      const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ sub: user.id, client_id: spa.client_id, scope: 'read' });
      const refreshed = await t.token({
        grant_type: 'refresh_token',
        refresh_token: res.body.refresh_token,
        client_id: spa.client_id,
      });
      expect(refreshed.status).toBe(200);
    });

    it('stores the code only as a hash', async () => {
      const { code } = await codeFor();
      const rows = await t.app.get(DataSource).query('SELECT * FROM authorization_code');
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(code);
      expect(dump).toContain(hashSecret(code));
    });

    it('skips the login form for a signed-in user and the consent page once consent is remembered', async () => {
      const { browser } = await codeFor();
      const again = await browser.open(spaRequest().path);
      expect(again.status).toBe(303);
      expect(new URL(again.headers.location).searchParams.get('code')).toMatch(/^asac_/);
    });

    it('signs the user out of every browser when an admin sets a new password or disables the user', async () => {
      const kim = await t.createUser('kim', 'kim-password-1');
      const admin = `Bearer ${await t.adminToken()}`;
      const signedIn = async () => {
        const browser = new Browser(t.http);
        await browser.authorize(spaRequest().path, 'kim', 'kim-password-1');
        return browser;
      };
      const first = await signedIn();
      expect((await first.open(spaRequest().path)).status).toBe(303);
      await request(t.http)
        .put(`/admin/users/${kim.id}/password`)
        .set('authorization', admin)
        .send({ password: 'kim-password-2' })
        .expect(204);
      const after = await first.open(spaRequest().path);
      expect(after.status).toBe(200);
      expect(after.text).toContain('/oauth/authorize/login');
      const second = new Browser(t.http);
      await second.authorize(spaRequest().path, 'kim', 'kim-password-2');
      await request(t.http).post(`/admin/users/${kim.id}/disable`).set('authorization', admin).expect(200);
      expect((await second.open(spaRequest().path)).text).toContain('/oauth/authorize/login');
    });

    it('asks again when a remembered consent does not cover a new scope', async () => {
      const { browser } = await codeFor();
      const wider = await browser.open(spaRequest({ scope: 'read write' }).path);
      expect(wider.status).toBe(200);
      expect(wider.text).toContain('<li>write</li>');
    });

    it('answers Deny with access_denied at the redirect URI', async () => {
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest({ scope: 'write' }).path);
      const consent = await browser.open(
        (await browser.signIn(login.text, 'grace', 'grace-password-1')).headers.location,
      );
      const denied = await browser.decide(consent.text, 'deny');
      const location = new URL(denied.headers.location);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'the user denied access',
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('never asks consent of a first-party client', async () => {
      const own = await t.createClient({
        grant_types: ['authorization_code'],
        scope: 'read',
        redirect_uris: [APP_CB],
        first_party: true,
        require_pkce: false,
      });
      const browser = new Browser(t.http);
      const login = await browser.open(
        authorizeUrl({ response_type: 'code', client_id: own.client_id, redirect_uri: APP_CB }),
      );
      const next = await browser.open((await browser.signIn(login.text, 'grace', 'grace-password-1')).headers.location);
      expect(next.status).toBe(303);
      expect(next.headers.location).toContain('code=asac_');
    });
  });

  describe('validation before the redirect URI is trusted: an error page, never a redirect', () => {
    it.each([
      ['an unknown client', { client_id: 'nobody' }],
      ['no client_id', { client_id: undefined }],
      ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }],
      ['a redirect_uri with an extra path', { redirect_uri: `${APP_CB}/more` }],
      ['a redirect_uri with an extra query', { redirect_uri: `${APP_CB}?x=1` }],
      ['a redirect_uri with a fragment', { redirect_uri: `${APP_CB}#frag` }],
      ['localhost instead of the registered loopback IP', { redirect_uri: 'http://localhost:5555/callback' }],
      ['a repeated client_id', { client_id: undefined, extra: 'x' }],
      ['a NUL in client_id', { client_id: 'a\u0000b' }],
    ])('shows an error page for %s', async (_, override) => {
      const params: Record<string, string | undefined> = {
        ...spaRequest()
          .path.split('?')[1]
          .split('&')
          .reduce((a, kv) => {
            const [k, v] = kv.split('=');
            return { ...a, [k]: decodeURIComponent(v) };
          }, {}),
        ...override,
      };
      let path = authorizeUrl(params);
      if ('extra' in override) path += `&client_id=${spa.client_id}&client_id=other`;
      const res = await new Browser(t.http).open(path);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).not.toContain('asac_');
    });

    it('lets the port of a loopback IP redirect URI vary (RFC 8252 7.3)', async () => {
      const { code, location } = await codeFor(new Browser(t.http), {
        redirect_uri: 'http://127.0.0.1:54321/callback',
      });
      expect(location.origin).toBe('http://127.0.0.1:54321');
      expect(code).toMatch(/^asac_/);
    });
  });

  describe('errors after the redirect URI is trusted go back to the client with state and iss', () => {
    async function errorOf(extra: Record<string, string | undefined>, client = spa.client_id) {
      const res = await new Browser(t.http).open(spaRequest({ client_id: client, ...extra }).path);
      expect(res.status).toBe(303);
      return Object.fromEntries(new URL(res.headers.location).searchParams);
    }

    it('refuses response_type=token (implicit) with unsupported_response_type', async () => {
      expect(await errorOf({ response_type: 'token' })).toMatchObject({
        error: 'unsupported_response_type',
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('requires PKCE of a public client', async () => {
      expect(await errorOf({ code_challenge: undefined, code_challenge_method: undefined })).toMatchObject({
        error: 'invalid_request',
      });
    });

    it('refuses the plain PKCE method', async () => {
      expect(await errorOf({ code_challenge_method: 'plain' })).toMatchObject({
        error: 'invalid_request',
        error_description: 'code_challenge_method must be S256',
      });
    });

    it('requires PKCE of a confidential client by default', async () => {
      expect(
        await errorOf({ code_challenge: undefined, code_challenge_method: undefined }, web.client_id),
      ).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses a scope beyond the client registration with invalid_scope', async () => {
      expect(await errorOf({ scope: 'read admin' })).toMatchObject({ error: 'invalid_scope' });
    });
  });

  describe('the code at the token endpoint', () => {
    it('works once; a second exchange fails and revokes every token issued from it', async () => {
      const { code, pkce } = await codeFor();
      const first = await exchange(code, pkce.verifier);
      expect(first.status).toBe(200);
      const second = await exchange(code, pkce.verifier);
      expect(second.status).toBe(400);
      expect(second.body.error).toBe('invalid_grant');
      const refresh = await t.token({
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token,
        client_id: spa.client_id,
      });
      expect(refresh.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token has been revoked' });
      const introspection = await request(t.http)
        .post('/oauth/introspect')
        .type('form')
        .set('authorization', `Bearer ${await t.adminToken()}`)
        .send({ token: first.body.access_token });
      expect(introspection.body).toEqual({ active: false });
      const [code_row] = await t.app
        .get(DataSource)
        .query(`SELECT id, family_id FROM authorization_code WHERE code_hash = '${hashSecret(code)}'`);
      const audit = await request(t.http)
        .get('/admin/audit-events')
        .query({ limit: 500 })
        .set('authorization', `Bearer ${await t.adminToken()}`);
      expect(
        audit.body.items.filter((e: { action: string }) => e.action === 'authorization_code.reuse_detected'),
      ).toEqual([
        expect.objectContaining({
          actor: `client:${spa.client_id}`,
          target_type: 'refresh_token_family',
          target_id: code_row.family_id,
          reason: `authorization code ${code_row.id} presented again`,
        }),
      ]);
    });

    it('lets exactly one of several concurrent exchanges of one code succeed', async () => {
      const { code, pkce } = await codeFor();
      const results = await Promise.all(Array.from({ length: 10 }, () => exchange(code, pkce.verifier)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('expires after its lifetime (60 s)', async () => {
      const { code, pkce } = await codeFor();
      t.clock.advance(61);
      const res = await exchange(code, pkce.verifier);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the authorization code has expired' });
    });

    it('is bound to the client it was issued to', async () => {
      const { code, pkce } = await codeFor();
      const res = await t.token(
        { grant_type: 'authorization_code', code, redirect_uri: APP_CB, code_verifier: pkce.verifier },
        basic(web),
      );
      expect(res.body.error).toBe('invalid_grant');
      expect((await exchange(code, pkce.verifier)).status).toBe(200);
    });

    it('is bound to the redirect_uri of the request', async () => {
      const { code, pkce } = await codeFor();
      const res = await exchange(code, pkce.verifier, { redirect_uri: NATIVE_CB });
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'redirect_uri does not match the authorization request',
      });
    });

    it('is bound to the code_challenge: a wrong or missing verifier fails', async () => {
      const { code } = await codeFor();
      expect((await exchange(code, pkcePair().verifier)).body.error_description).toBe(
        'code_verifier does not match the code_challenge',
      );
      expect((await exchange(code, undefined)).body.error).toBe('invalid_grant');
    });

    it('refuses a code_verifier when the request had no code_challenge', async () => {
      const relaxed = await t.createClient({
        grant_types: ['authorization_code'],
        scope: 'read',
        redirect_uris: [APP_CB],
        require_pkce: false,
        first_party: true,
      });
      const location = await new Browser(t.http).authorize(
        authorizeUrl({ response_type: 'code', client_id: relaxed.client_id }),
        'grace',
        'grace-password-1',
      );
      const code = location.searchParams.get('code')!;
      const res = await t.token(
        { grant_type: 'authorization_code', code, code_verifier: pkcePair().verifier },
        basic(relaxed),
      );
      expect(res.body.error).toBe('invalid_grant');
      const ok = await t.token({ grant_type: 'authorization_code', code }, basic(relaxed));
      expect(ok.status).toBe(200);
      expect(ok.body.refresh_token).toBeUndefined();
    });

    it('gives a refresh token only with offline_access when the client asks for that policy', async () => {
      const offline = await t.createClient({
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read offline_access',
        redirect_uris: [APP_CB],
        token_endpoint_auth_method: 'none',
        first_party: true,
        refresh_token_requires_offline_access: true,
      });
      const run = async (scope: string) => {
        const { path, pkce } = codeRequest({ client_id: offline.client_id, scope });
        const code = (await new Browser(t.http).authorize(path, 'grace', 'grace-password-1')).searchParams.get('code')!;
        return (
          await t.token({
            grant_type: 'authorization_code',
            code,
            client_id: offline.client_id,
            code_verifier: pkce.verifier,
          })
        ).body;
      };
      expect((await run('read')).refresh_token).toBeUndefined();
      expect((await run('read offline_access')).refresh_token).toMatch(/^asrt_/);
    });

    it('fails for a user disabled after the code was issued', async () => {
      const henry = await t.createUser('henry', 'henry-password-1');
      const { path, pkce } = codeRequest({ client_id: spa.client_id, redirect_uri: APP_CB, scope: 'read' });
      const code = (await new Browser(t.http).authorize(path, 'henry', 'henry-password-1')).searchParams.get('code')!;
      await t.app.get(DataSource).query(`UPDATE app_user SET disabled_at = 1 WHERE id = '${henry.id}'`);
      expect((await exchange(code, pkce.verifier)).body.error).toBe('invalid_grant');
    });
  });

  describe('the sign-in page', () => {
    it('says so clearly on wrong credentials, and starts no session', async () => {
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest().path);
      const res = await browser.signIn(login.text, 'grace', 'wrong-password');
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong username or password.');
      expect(String(res.headers['set-cookie'] ?? '')).not.toContain('as_session');
    });

    it('sets an HttpOnly, SameSite=Lax session cookie, not Secure on an http issuer', async () => {
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest().path);
      const res = await browser.signIn(login.text, 'grace', 'grace-password-1');
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('as_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/);
    });

    it('escapes every value it shows', async () => {
      const res = await new Browser(t.http).open(spaRequest().path);
      expect(res.text).toContain('Photo &#60;Viewer&#62; &#38; &#34;Co&#34;');
      expect(res.text).not.toContain('<Viewer>');
    });

    it('is served with no-store, anti-framing and a strict content security policy', async () => {
      const res = await new Browser(t.http).open(spaRequest().path);
      expect(res.headers).toMatchObject({
        'cache-control': 'no-store',
        'x-frame-options': 'DENY',
        // no-referrer would make browsers send `Origin: null` on the form posts, which the CSRF check refuses.
        'referrer-policy': 'same-origin',
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      });
      expect(res.text).not.toContain('<script');
      const css = await request(t.http).get('/oauth/assets/style.css');
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toMatch(/^text\/css/);
    });

    it('refuses a form without the CSRF token, with a forged token, or from another origin', async () => {
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest().path);
      const fields = formFields(login.text);
      const post = (form: Record<string, string>, origin?: string) => {
        const req = browser.agent.post('/oauth/authorize/login').type('form').redirects(0);
        if (origin) req.set('origin', origin);
        return req.send(form);
      };
      const base = {
        authorization_request: fields.authorization_request,
        username: 'grace',
        password: 'grace-password-1',
      };
      expect((await post(base)).status).toBe(403);
      expect((await post({ ...base, csrf_token: 'A'.repeat(43) })).status).toBe(403);
      expect((await post({ ...base, csrf_token: fields.csrf_token }, 'https://evil.example')).status).toBe(403);
      expect((await post({ ...base, csrf_token: fields.csrf_token }, 'null')).status).toBe(403);
      const fresh = await request(t.http)
        .post('/oauth/authorize/login')
        .type('form')
        .redirects(0)
        .send({ ...base, csrf_token: fields.csrf_token });
      expect(fresh.status).toBe(403);
      expect(String(fresh.headers['set-cookie'] ?? '')).not.toContain('as_session');
    });

    it('accepts the form from the issuer’s own origin', async () => {
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest().path);
      const res = await browser.agent
        .post('/oauth/authorize/login')
        .type('form')
        .redirects(0)
        .set('origin', new URL(ISSUER).origin)
        .send({ ...formFields(login.text), username: 'grace', password: 'grace-password-1' });
      expect(res.status).toBe(303);
    });

    it('throttles repeated failures for one username, even with the right password then', async () => {
      t.clock.advance(901);
      await t.createUser('ivan', 'ivan-password-1');
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest().path);
      for (let i = 0; i < 5; i++) expect((await browser.signIn(login.text, 'ivan', 'nope-nope-nope')).status).toBe(401);
      const blocked = await browser.signIn(login.text, 'ivan', 'ivan-password-1');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.text).toContain('Too many failed attempts');
      t.clock.advance(901);
      expect((await browser.signIn(login.text, 'ivan', 'ivan-password-1')).status).toBe(303);
    });

    it('throttles repeated failures from one address across usernames (20 by default)', async () => {
      t.clock.advance(901);
      const browser = new Browser(t.http);
      const login = await browser.open(spaRequest().path);
      for (let i = 0; i < 20; i++)
        expect((await browser.signIn(login.text, `nobody-${i}`, 'whatever-pass')).status).toBe(401);
      const blocked = await browser.signIn(login.text, 'grace', 'grace-password-1');
      expect(blocked.status).toBe(429);
      t.clock.advance(901);
    });
  });
});

describe('session cookie on an https issuer', () => {
  it('is Secure', async () => {
    const t = await startTestApp({ env: { ISSUER: 'https://issuer.test' } });
    try {
      const spa = await t.createClient({
        grant_types: ['authorization_code'],
        scope: 'read',
        token_endpoint_auth_method: 'none',
        redirect_uris: [APP_CB],
      });
      await t.createUser('judy', 'judy-password-1');
      const pkce = pkcePair();
      const login = await request(t.http).get(
        authorizeUrl({
          response_type: 'code',
          client_id: spa.client_id,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      );
      const csrf = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('as_csrf='))!;
      expect(csrf).toMatch(/; Secure/);
      // An http client keeps no Secure cookie, so the test hands it back itself.
      const res = await request(t.http)
        .post('/oauth/authorize/login')
        .type('form')
        .redirects(0)
        .set('cookie', csrf.split(';')[0])
        .send({ ...formFields(login.text), username: 'judy', password: 'judy-password-1' });
      expect(res.status).toBe(303);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('as_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/; Secure/);
    } finally {
      await t.close();
    }
  });
});
