import request from 'supertest';
import { DataSource } from 'typeorm';
import { ConsentEntity, LoginSessionEntity } from '#persistence';
import { AdminApi } from './support/admin-api.js';
import { Browser, authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { type TestApp, startTestApp } from './support/test-app.js';

const APP_CB = 'https://app.example/cb';
const PASSWORD = 'grace-password-1';

/** The value of the CSRF field of a rendered form. */
const csrfOf = (html: string) => /name="csrf_token" value="([^"]*)"/.exec(html)![1];

describe('sign-out, consent withdrawal and the redirect_uri of the code exchange', () => {
  let t: TestApp;
  let admin: AdminApi;
  let spa: { client_id: string };
  let other: { client_id: string };
  let user: { id: string };

  beforeAll(async () => {
    t = await startTestApp();
    admin = new AdminApi(t);
    const client = (name: string) =>
      t.createClient({
        client_name: name,
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read',
        token_endpoint_auth_method: 'none',
        redirect_uris: [APP_CB],
      });
    spa = await client('Photos');
    other = await client('Notes');
    user = await t.createUser('grace', PASSWORD);
  });
  afterAll(() => t.close());

  const sessions = () => t.app.get(DataSource).getRepository(LoginSessionEntity).countBy({ user_id: user.id });
  const consents = (clientId: string) =>
    t.app.get(DataSource).getRepository(ConsentEntity).countBy({ user_id: user.id, client_id: clientId });

  /** `redirectUri` null: the request omits it. */
  function authorizePath(clientId: string, pkce: { challenge: string }, redirectUri: string | null = APP_CB) {
    return authorizeUrl({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri ?? undefined,
      scope: 'read',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
  }

  /** Runs the code flow in `browser`; answers the code and its verifier. */
  async function codeFor(browser: Browser, clientId: string, redirectUri: string | null = APP_CB) {
    const pkce = pkcePair();
    const location = await browser.authorize(authorizePath(clientId, pkce, redirectUri), 'grace', PASSWORD);
    return { code: location.searchParams.get('code')!, verifier: pkce.verifier };
  }

  function exchange(clientId: string, code: string, verifier: string, redirectUri: string | null = APP_CB) {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      code_verifier: verifier,
    };
    if (redirectUri !== null) form.redirect_uri = redirectUri;
    return t.token(form);
  }

  async function refreshTokenFor(browser: Browser, clientId: string): Promise<string> {
    const { code, verifier } = await codeFor(browser, clientId);
    const res = await exchange(clientId, code, verifier);
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  }

  const refresh = (clientId: string, refreshToken: string) =>
    t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

  describe('POST /oauth/logout', () => {
    it('offers a CSRF-protected sign-out form at GET /oauth/logout', async () => {
      const browser = new Browser(t.http);
      await codeFor(browser, spa.client_id);
      const page = await browser.agent.get('/oauth/logout');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.text).toContain('<form method="post" action="/oauth/logout">');
      expect(page.text).toContain('You are signed in as <strong>grace</strong>.');
      expect(csrfOf(page.text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('ends the session: deletes its row, clears the cookie and says so; the next request signs in again', async () => {
      const browser = new Browser(t.http);
      await codeFor(browser, spa.client_id);
      const before = await sessions();
      expect(before).toBeGreaterThan(0);
      const form = await browser.agent.get('/oauth/logout');
      const res = await browser.agent
        .post('/oauth/logout')
        .type('form')
        .send({ csrf_token: csrfOf(form.text) });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<h1>You are signed out</h1>');
      const cleared = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('as_session='));
      expect(cleared).toBe('as_session=; Path=/oauth; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
      expect(await sessions()).toBe(before - 1);
      const again = await browser.open(authorizePath(spa.client_id, pkcePair()));
      expect(again.status).toBe(200);
      expect(again.text).toContain('/oauth/authorize/login');
    });

    it.each([
      ['without the CSRF token', {}, {}],
      ['with a CSRF token that is not the cookie’s', { csrf_token: 'x'.repeat(43) }, {}],
      ['from another origin', undefined, { Origin: 'https://evil.example' }],
    ])('refuses a sign-out %s (403) and keeps the session', async (_label, body, headers) => {
      const browser = new Browser(t.http);
      await codeFor(browser, spa.client_id);
      const before = await sessions();
      const form = await browser.agent.get('/oauth/logout');
      const res = await browser.agent
        .post('/oauth/logout')
        .set(headers)
        .type('form')
        .send(body ?? { csrf_token: csrfOf(form.text) });
      expect(res.status).toBe(403);
      expect(res.text).toContain('The form expired or did not come from this site. Go back and try again.');
      expect(String(res.headers['set-cookie'] ?? '')).not.toContain('as_session');
      expect(await sessions()).toBe(before);
      expect((await browser.open(authorizePath(spa.client_id, pkcePair()))).status).toBe(303);
    });
  });

  describe('DELETE /admin/users/{id}/consents/{client_id}', () => {
    it('forgets the consent, revokes that client’s refresh tokens for the user, audits it, and leaves other clients alone', async () => {
      const browser = new Browser(t.http);
      const spaToken = await refreshTokenFor(browser, spa.client_id);
      const otherToken = await refreshTokenFor(browser, other.client_id);
      expect(await consents(spa.client_id)).toBe(1);

      const res = await admin.delete(`/admin/users/${user.id}/consents/${spa.client_id}`);
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });

      expect(await consents(spa.client_id)).toBe(0);
      expect(await consents(other.client_id)).toBe(1);
      expect((await refresh(spa.client_id, spaToken)).body).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token has been revoked',
      });
      expect((await refresh(other.client_id, otherToken)).status).toBe(200);
      const listed = await admin.get('/admin/refresh-tokens', { subject: user.id, client_id: spa.client_id });
      expect(new Set(listed.body.items.map((i: { revoked_reason: string }) => i.revoked_reason))).toEqual(
        new Set(['admin']),
      );
      const events = (await admin.get('/admin/audit-events', { target_id: user.id })).body.items;
      expect(events.slice(0, 2)).toEqual([
        expect.objectContaining({
          actor: 'admin:e2e-admin',
          action: 'consent.withdrawn',
          target_type: 'user',
          target_id: user.id,
          reason: spa.client_id,
        }),
        expect.objectContaining({
          actor: 'admin:e2e-admin',
          action: 'refresh_tokens.bulk_revoked',
          target_type: 'subject',
          target_id: user.id,
          reason: `consent withdrawn for client ${spa.client_id} (1 families)`,
        }),
      ]);
      // The signed-in user is asked for consent again.
      const next = await browser.open(authorizePath(spa.client_id, pkcePair()));
      expect(next.status).toBe(200);
      expect(next.text).toContain('Allow access?');
    });

    it('voids the codes issued under the consent and not yet exchanged', async () => {
      const browser = new Browser(t.http);
      await codeFor(browser, other.client_id);
      const pending = await codeFor(browser, other.client_id);
      expect((await admin.delete(`/admin/users/${user.id}/consents/${other.client_id}`)).status).toBe(204);
      const res = await exchange(other.client_id, pending.code, pending.verifier);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { error: 'invalid_grant', error_description: 'the authorization code is invalid' },
      });
    });

    it('answers 404 in the admin error shape when there is no such consent', async () => {
      const res = await admin.delete(`/admin/users/${user.id}/consents/no-such-client`);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 404,
        body: {
          status: 404,
          error: 'not_found',
          message: `user ${user.id} has no consent for client no-such-client`,
        },
      });
    });

    it('needs the admin scope, not admin:read', async () => {
      const res = await new AdminApi(t, 'admin:read').delete(`/admin/users/${user.id}/consents/${spa.client_id}`);
      expect(res.status).toBe(403);
    });

    it('is documented in the OpenAPI document with the admin security', async () => {
      const doc = (await request(t.http).get('/docs-json')).body;
      const op = doc.paths['/admin/users/{id}/consents/{client_id}'].delete;
      expect(op.security).toEqual([{ admin_oauth2: ['admin'] }]);
      expect(Object.keys(op.responses).sort()).toEqual(['204', '400', '401', '403', '404']);
    });
  });

  describe('deleting a client', () => {
    it('deletes the consents users gave it', async () => {
      const doomed = await t.createClient({
        client_id: 'doomed-spa',
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'none',
        redirect_uris: [APP_CB],
        scope: 'read',
      });
      await codeFor(new Browser(t.http), doomed.client_id);
      expect(await consents('doomed-spa')).toBe(1);
      expect((await admin.delete('/admin/clients/doomed-spa')).status).toBe(204);
      expect(await consents('doomed-spa')).toBe(0);
    });
  });

  describe('redirect_uri at the code exchange (RFC 6749 4.1.3)', () => {
    it('requires redirect_uri when the authorization request sent it, even if the client has only one', async () => {
      const { code, verifier } = await codeFor(new Browser(t.http), spa.client_id, APP_CB);
      const res = await exchange(spa.client_id, code, verifier, null);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'redirect_uri is required: the authorization request included it',
        },
      });
      // Refused before redemption: with the redirect_uri the code still works.
      expect((await exchange(spa.client_id, code, verifier, APP_CB)).status).toBe(200);
    });

    it('lets it be omitted when the authorization request omitted it', async () => {
      const { code, verifier } = await codeFor(new Browser(t.http), spa.client_id, null);
      const res = await exchange(spa.client_id, code, verifier, null);
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('read');
    });

    it('still refuses a different redirect_uri', async () => {
      const { code, verifier } = await codeFor(new Browser(t.http), spa.client_id, null);
      const res = await exchange(spa.client_id, code, verifier, 'https://app.example/other');
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' },
      });
    });
  });
});
