import { jest } from '@jest/globals';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  AdminApi,
  type Credentials,
  type Method,
  TokenFlows,
  claimsOf,
  expectAdminError,
} from './support/admin-api.js';
import { ADMIN_CLIENT_ID, ISSUER, type TestApp, basic, startTestApp } from './support/test-app.js';
import { type Item, sorted, b64 } from './support/admin-fields.js';

jest.setTimeout(30_000);

describe('admin API', () => {
  describe('authentication and authorization (RFC 6750 3)', () => {
    interface Route {
      method: Method;
      path: string;
      read: boolean;
      body?: Record<string, unknown>;
    }
    // :token, :client and :user stand for resources that exist, so an answer is never a 404 or 400 instead.
    const ROUTES: Route[] = [
      { method: 'get', path: '/admin/refresh-tokens', read: true },
      { method: 'get', path: '/admin/refresh-tokens/:token', read: true },
      { method: 'delete', path: '/admin/refresh-tokens/:token', read: false },
      { method: 'post', path: '/admin/refresh-tokens/revoke', read: false, body: { subject: ':user' } },
      { method: 'post', path: '/admin/clients', read: false, body: { grant_types: ['client_credentials'] } },
      { method: 'get', path: '/admin/clients', read: true },
      { method: 'get', path: '/admin/clients/:client', read: true },
      { method: 'patch', path: '/admin/clients/:client', read: false, body: { client_name: 'changed' } },
      { method: 'post', path: '/admin/clients/:client/secret', read: false },
      { method: 'delete', path: '/admin/clients/:client', read: false },
      { method: 'post', path: '/admin/users', read: false, body: { username: 'intruder', password: 'intruder-pass' } },
      { method: 'get', path: '/admin/users', read: true },
      { method: 'get', path: '/admin/users/:user', read: true },
      { method: 'post', path: '/admin/users/:user/disable', read: false },
      { method: 'post', path: '/admin/users/:user/enable', read: false },
      { method: 'put', path: '/admin/users/:user/password', read: false, body: { password: 'another-password' } },
      { method: 'delete', path: '/admin/users/:user', read: false },
      { method: 'get', path: '/admin/audit-events', read: true },
    ];
    const READ_ROUTES = ROUTES.filter((r) => r.read);
    const WRITE_ROUTES = ROUTES.filter((r) => !r.read);

    let t: TestApp;
    let admin: AdminApi;
    let reader: AdminApi;
    let flows: TokenFlows;
    let user: { id: string };
    let tokenId: string;
    let noAdminScope: string;
    let target: Credentials;
    const badTokens: Record<string, string> = {};

    function send(route: Route, bearer?: string): request.Test {
      const fill = (s: string) =>
        s.replace(':token', tokenId).replace(':client', 'auth-target').replace(':user', user.id);
      const req = request(t.http)[route.method](fill(route.path));
      if (bearer !== undefined) req.set('Authorization', `Bearer ${bearer}`);
      return route.body ? req.send(JSON.parse(fill(JSON.stringify(route.body)))) : req;
    }

    beforeAll(async () => {
      t = await startTestApp();
      flows = new TokenFlows(t);
      const app = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
      user = await t.createUser('auth-user', 'auth-user-password');
      tokenId = (await flows.row((await flows.login(app, 'auth-user', 'auth-user-password')).refresh_token)).id;
      target = await t.createClient({
        client_id: 'auth-target',
        client_name: 'target',
        grant_types: ['client_credentials'],
        scope: 'read',
      });

      const soonExpired = await t.adminToken();
      const lifetime = (claimsOf(soonExpired).exp as number) - (claimsOf(soonExpired).iat as number);
      t.clock.advance(lifetime + 1);
      badTokens.expired = soonExpired;

      admin = new AdminApi(t);
      reader = new AdminApi(t, 'admin:read');
      const valid = await admin.bearer();
      const readOnly = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      noAdminScope = (await t.token({ grant_type: 'client_credentials' }, basic(readOnly))).body.access_token;
      expect(noAdminScope).toEqual(expect.any(String));

      badTokens.garbage = 'not-a-token';
      badTokens.truncated = valid.slice(0, -10);
      const { kid } = decodeProtectedHeader(valid);
      const { privateKey } = await generateKeyPair('ES256');
      const now = Math.floor(t.clock.now() / 1000);
      badTokens.foreignKey = await new SignJWT({ client_id: ADMIN_CLIENT_ID, scope: 'admin' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(ISSUER)
        .setAudience(ISSUER)
        .setSubject(ADMIN_CLIENT_ID)
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .setJti(randomUUID())
        .sign(privateKey);
      badTokens.algNone = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claimsOf(valid))}.`;
      const [header, , signature] = noAdminScope.split('.');
      badTokens.scopeTampered = `${header}.${b64({ ...claimsOf(noAdminScope), scope: 'admin' })}.${signature}`;

      const doomed = await t.createClient({
        client_id: 'doomed-admin',
        grant_types: ['client_credentials'],
        scope: 'admin',
      });
      badTokens.deletedClient = (await t.token({ grant_type: 'client_credentials' }, basic(doomed))).body.access_token;
      expect((await admin.delete('/admin/clients/doomed-admin')).status).toBe(204);
    });
    afterAll(() => t.close());

    it('stops accepting the token of a client the moment the client is deleted', async () => {
      const other = await t.createClient({
        client_id: 'doomed-2',
        grant_types: ['client_credentials'],
        scope: 'admin',
      });
      const token = (await t.token({ grant_type: 'client_credentials' }, basic(other))).body.access_token;
      const before = await request(t.http).get('/admin/clients').set('Authorization', `Bearer ${token}`);
      expect(before.status).toBe(200);
      expect((await admin.delete('/admin/clients/doomed-2')).status).toBe(204);
      const after = await request(t.http).get('/admin/clients').set('Authorization', `Bearer ${token}`);
      expectAdminError(after, 401);
      expect(after.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it.each(ROUTES)('$method $path answers 401 with a bare Bearer challenge when no token is sent', async (route) => {
      const res = await send(route);
      expectAdminError(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="admin"');
    });

    it.each(ROUTES)(
      '$method $path answers 401 invalid_token to garbage, truncated, expired, foreign-key, alg none, tampered and deleted-client tokens',
      async (route) => {
        expect(Object.keys(badTokens)).toHaveLength(7);
        for (const [kind, token] of Object.entries(badTokens)) {
          const res = await send(route, token);
          expect({ kind, status: res.status }).toEqual({ kind, status: 401 });
          expectAdminError(res, 401);
          expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="admin", error="invalid_token"/);
        }
      },
    );

    it('says why a token is refused: the reason of the verifier, or that the token no longer stands', async () => {
      const expired = await send(ROUTES[0], badTokens.expired);
      expect(expired.headers['www-authenticate']).toBe(
        'Bearer realm="admin", error="invalid_token", error_description="the access token expired"',
      );
      expect(expired.body).toEqual({ status: 401, error: 'unauthorized', message: 'the access token expired' });
      const deleted = await send(ROUTES[0], badTokens.deletedClient);
      expect(deleted.body.message).toBe('the access token is invalid or expired');
    });

    it('answers 400 invalid_request to two tokens in the header (RFC 6750 3.1)', async () => {
      const res = await send(ROUTES[0], `${await admin.bearer()} ${await admin.bearer()}`);
      expectAdminError(res, 400);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="admin", error="invalid_request"/);
    });

    it.each(ROUTES)(
      '$method $path answers 403 insufficient_scope to a valid token without an admin scope',
      async (route) => {
        const res = await send(route, noAdminScope);
        expectAdminError(res, 403);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="admin", error="insufficient_scope"/);
      },
    );

    it.each(READ_ROUTES)('$method $path is open to an admin:read token and to an admin token', async (route) => {
      expect((await send(route, await reader.bearer())).status).toBe(200);
      expect((await send(route, await admin.bearer())).status).toBe(200);
    });

    it.each(WRITE_ROUTES)('$method $path refuses an admin:read token with 403 insufficient_scope', async (route) => {
      const res = await send(route, await reader.bearer());
      expectAdminError(res, 403);
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="admin", error="insufficient_scope".*scope="admin"/,
      );
    });

    it('changed nothing through the refused requests', async () => {
      const got = await admin.get('/admin/clients/auth-target');
      expect(got.body).toMatchObject({ client_id: 'auth-target', client_name: 'target' });
      // The secret was not rotated.
      expect((await t.token({ grant_type: 'client_credentials' }, basic(target))).status).toBe(200);
      expect((await admin.get(`/admin/users/${user.id}`)).body).toMatchObject({
        username: 'auth-user',
        disabled: false,
      });
      expect((await admin.get('/admin/users')).body.items.map((u: Item) => u.username)).toEqual(['auth-user']);
      expect((await admin.get(`/admin/refresh-tokens/${tokenId}`)).body.status).toBe('active');
      const events = (await admin.get('/admin/audit-events')).body.items as Item[];
      expect(new Set(events.map((e) => e.target_id))).toEqual(new Set(['doomed-admin', 'doomed-2']));
      expect(sorted(events.map((e) => e.action as string))).toEqual([
        'client.deleted',
        'client.deleted',
        'refresh_tokens.bulk_revoked',
        'refresh_tokens.bulk_revoked',
      ]);
    });
  });
});
