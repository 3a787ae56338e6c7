import { jest } from '@jest/globals';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  AdminApi,
  type Credentials,
  ISO_TIME,
  type Method,
  TokenFlows,
  UUID,
  claimsOf,
  expectAdminError,
  expectNoSecrets,
} from './support/admin-api.js';
import { Browser, authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { ADMIN_CLIENT_ID, ISSUER, type TestApp, basic, startTestApp } from './support/test-app.js';

jest.setTimeout(30_000);

const ACTOR = `admin:${ADMIN_CLIENT_ID}`;
const DAY = 24 * 3600;

const TOKEN_FIELDS = [
  'client_id',
  'expires_at',
  'family_id',
  'id',
  'issued_at',
  'last_used_at',
  'revoked_at',
  'revoked_reason',
  'scope',
  'status',
  'subject',
];
const CLIENT_FIELDS = [
  'access_token_lifetime',
  'client_id',
  'client_name',
  'created_at',
  'grant_types',
  'introspection_allowed',
  'redirect_uris',
  'refresh_token_absolute_lifetime',
  'refresh_token_idle_lifetime',
  'refresh_token_reuse_interval',
  'refresh_token_rotation',
  'scope',
  'token_endpoint_auth_method',
  'updated_at',
];
/**
 * A client as the admin API shows it: every documented field, and nothing that looks like a
 * secret or its hash (fields added later, e.g. for other grants, are tolerated).
 */
function clientFields(body: Record<string, unknown>, { secret = false } = {}): Record<string, unknown> {
  for (const key of CLIENT_FIELDS) expect(body).toHaveProperty(key);
  const extra = Object.keys(body).filter((k) => !CLIENT_FIELDS.includes(k) && !(secret && k === 'client_secret'));
  for (const key of extra) expect(key).not.toMatch(/secret|hash|password/i);
  if (secret) expect(body).toHaveProperty('client_secret');
  else expect(body).not.toHaveProperty('client_secret');
  const documented = secret ? [...CLIENT_FIELDS, 'client_secret'] : CLIENT_FIELDS;
  return Object.fromEntries(documented.map((k) => [k, body[k]]));
}

const USER_FIELDS = ['created_at', 'disabled', 'disabled_at', 'id', 'updated_at', 'username'];
const AUDIT_FIELDS = ['action', 'actor', 'id', 'occurred_at', 'reason', 'target_id', 'target_type'];

type Item = Record<string, unknown> & { id: string };

const iso = (ms: number) => new Date(ms).toISOString();
const idsOf = (items: Array<{ id: unknown }>) => items.map((i) => i.id as string);
const sorted = (values: string[]) => [...values].sort();
const b64 = (value: object) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Newest first by the time field, then by id, both descending. */
function expectNewestFirst(items: Item[], timeField: string, idField = 'id'): void {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1], items[i]];
    const [ta, tb] = [Date.parse(a[timeField] as string), Date.parse(b[timeField] as string)];
    expect(ta).toBeGreaterThanOrEqual(tb);
    if (ta === tb) expect((a[idField] as string) > (b[idField] as string)).toBe(true);
  }
}

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

  describe('request validation and the error shape', () => {
    let t: TestApp;
    let admin: AdminApi;
    let user: { id: string };
    let validClient: Credentials;
    const LISTS = ['/admin/refresh-tokens', '/admin/clients', '/admin/users', '/admin/audit-events'];

    beforeAll(async () => {
      t = await startTestApp();
      admin = new AdminApi(t);
      validClient = await t.createClient({
        client_id: 'valid-client',
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      user = await t.createUser('valid-user', 'valid-user-password');
    });
    afterAll(() => t.close());

    const BODY_ROUTES: Array<[Method, string]> = [
      ['post', '/admin/clients'],
      ['patch', '/admin/clients/valid-client'],
      ['post', '/admin/users'],
      ['put', '/admin/users/:user/password'],
      ['post', '/admin/refresh-tokens/revoke'],
    ];
    const path = (p: string) => p.replace(':user', user.id);

    it.each(BODY_ROUTES)('%s %s answers 400 bad_request to a malformed JSON body', async (method, p) => {
      const res = await request(t.http)
        [method](path(p))
        .set('Authorization', `Bearer ${await admin.bearer()}`)
        .set('Content-Type', 'application/json')
        .send('{"grant_types": ["password"');
      expectAdminError(res, 400);
    });

    it.each(BODY_ROUTES)('%s %s answers 413 payload_too_large to a body over the limit', async (method, p) => {
      const res = await admin.call(method, path(p), { client_name: 'x'.repeat(100_000) });
      expectAdminError(res, 413);
    });

    it.each([
      ['post', '/admin/clients', { grant_types: ['client_credentials'], client_secret: 'ascs_mine' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], is_admin: true }],
      ['patch', '/admin/clients/valid-client', { client_id: 'renamed' }],
      ['patch', '/admin/clients/valid-client', { client_secret: 'mine' }],
      ['post', '/admin/users', { username: 'eve', password: 'eve-password', disabled: true }],
      ['put', '/admin/users/:user/password', { password: 'a-new-password', old_password: 'x' }],
      ['post', '/admin/refresh-tokens/revoke', { subject: 'someone', family_id: randomUUID() }],
    ] as Array<[Method, string, object]>)('%s %s answers 400 to an unknown field %j', async (method, p, body) => {
      expectAdminError(await admin.call(method, path(p), body), 400);
    });

    it.each([
      ['post', '/admin/clients', { grant_types: 'client_credentials' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], refresh_token_reuse_interval: '5' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], refresh_token_rotation: 'yes' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], access_token_lifetime: 120.5 }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], scope: 42 }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], redirect_uris: 'https://a.example/cb' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], redirect_uris: ['not a url'] }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], client_name: ['x'] }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], introspection_allowed: 1 }],
      ['patch', '/admin/clients/valid-client', { refresh_token_idle_lifetime: '3600' }],
      ['patch', '/admin/clients/valid-client', { grant_types: [1] }],
      ['post', '/admin/users', { username: 12345, password: 'eve-password' }],
      ['post', '/admin/users', { username: 'eve', password: 12345678 }],
      ['put', '/admin/users/:user/password', { password: ['a-new-password'] }],
      ['post', '/admin/refresh-tokens/revoke', { subject: 5 }],
      ['post', '/admin/refresh-tokens/revoke', { client_id: { $ne: '' } }],
      ['post', '/admin/users', []],
    ] as Array<[Method, string, object]>)('%s %s answers 400 to a wrong type %j', async (method, p, body) => {
      expectAdminError(await admin.call(method, path(p), body), 400);
    });

    it.each([
      ['post', '/admin/clients', {}],
      ['post', '/admin/clients', { grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] }],
      ['post', '/admin/clients', { grant_types: ['implicit'] }],
      [
        'post',
        '/admin/clients',
        { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' },
      ],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], refresh_token_reuse_interval: 301 }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], refresh_token_reuse_interval: -1 }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], access_token_lifetime: 0 }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], client_id: 'has space' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], client_id: '' }],
      ['post', '/admin/clients', { grant_types: ['client_credentials'], scope: 'read  write' }],
      ['patch', '/admin/clients/valid-client', { refresh_token_reuse_interval: 301 }],
      ['post', '/admin/users', { username: 'eve' }],
      ['post', '/admin/users', { password: 'eve-password' }],
      ['post', '/admin/users', { username: 'eve', password: 'seven77' }],
      ['post', '/admin/users', { username: 'eve', password: 'x'.repeat(1025) }],
      ['post', '/admin/users', { username: '', password: 'eve-password' }],
      ['post', '/admin/users', { username: 'eve smith', password: 'eve-password' }],
      ['put', '/admin/users/:user/password', {}],
      ['put', '/admin/users/:user/password', { password: 'seven77' }],
      ['put', '/admin/users/:user/password', { password: 'x'.repeat(1025) }],
      ['post', '/admin/refresh-tokens/revoke', {}],
      ['post', '/admin/refresh-tokens/revoke', { subject: '' }],
      ['post', '/admin/refresh-tokens/revoke', { client_id: 'x'.repeat(201) }],
    ] as Array<[Method, string, object]>)(
      '%s %s answers 400 to a missing or out-of-range value %j',
      async (method, p, body) => {
        expectAdminError(await admin.call(method, path(p), body), 400);
      },
    );

    it('changed nothing through the rejected bodies', async () => {
      const clients = (await admin.get('/admin/clients')).body.items as Item[];
      expect(sorted(clients.map((c) => c.client_id as string))).toEqual([ADMIN_CLIENT_ID, 'valid-client']);
      expect((await admin.get('/admin/clients/valid-client')).body).toMatchObject({
        grant_types: ['client_credentials'],
        refresh_token_reuse_interval: 0,
        refresh_token_idle_lifetime: 14 * DAY,
      });
      expect((await admin.get('/admin/users')).body.items.map((u: Item) => u.username)).toEqual(['valid-user']);
      expect((await t.token({ grant_type: 'client_credentials' }, basic(validClient))).status).toBe(200);
    });

    it.each([
      ['get', '/admin/refresh-tokens/not-a-uuid'],
      ['delete', '/admin/refresh-tokens/1234'],
      ['get', '/admin/users/not-a-uuid'],
      ['post', '/admin/users/not-a-uuid/disable'],
      ['post', '/admin/users/not-a-uuid/enable'],
      ['delete', '/admin/users/not-a-uuid'],
    ] as Array<[Method, string]>)('%s %s answers 400 to a malformed UUID in the path', async (method, p) => {
      expectAdminError(await admin.call(method, p), 400);
    });

    it('answers 400 to a malformed UUID in PUT /admin/users/{id}/password', async () => {
      expectAdminError(await admin.put('/admin/users/not-a-uuid/password', { password: 'a-new-password' }), 400);
    });

    it.each(LISTS)('GET %s answers 400 to limit 0, 501, -1, 1.5 and a word, and accepts 1 and 500', async (list) => {
      for (const limit of ['0', '501', '-1', '1.5', 'ten', '']) {
        const res = await admin.get(list, { limit });
        expect({ limit, status: res.status }).toEqual({ limit, status: 400 });
        expectAdminError(res, 400);
      }
      for (const limit of [1, 500]) expect((await admin.get(list, { limit })).status).toBe(200);
    });

    it.each(LISTS)('GET %s answers 400 to a cursor the server did not issue', async (list) => {
      for (const cursor of [
        'not a cursor!',
        b64({ at: 1, id: 'x' }),
        b64([1, 2]),
        b64(['1', 'x']),
        b64([1.5, 'x']),
        b64([1, 'x', 3]),
        Buffer.from('[1, "x"').toString('base64url'),
        'x'.repeat(600),
      ]) {
        const res = await admin.get(list, { cursor });
        expect({ cursor, status: res.status }).toEqual({ cursor, status: 400 });
        expectAdminError(res, 400);
      }
    });

    it.each([
      ['/admin/refresh-tokens', { status: 'valid' }],
      ['/admin/refresh-tokens', { status: 'ACTIVE' }],
      ['/admin/refresh-tokens', { family_id: 'not-a-uuid' }],
      ['/admin/refresh-tokens', { issued_after: 'yesterday' }],
      ['/admin/refresh-tokens', { issued_before: '2024-13-01T00:00:00Z' }],
      ['/admin/audit-events', { occurred_after: 'last week' }],
      ['/admin/audit-events', { occurred_before: '1700000000000' }],
      ['/admin/audit-events', { action: 'x'.repeat(65) }],
    ] as Array<[string, Record<string, string>]>)('GET %s answers 400 to the filter %j', async (list, query) => {
      expectAdminError(await admin.get(list, query), 400);
    });

    // Regression: ISO week and ordinal dates once reached the SQL as NaN (500).
    it.each([
      ['/admin/refresh-tokens', { issued_after: '2026-W01-1' }],
      ['/admin/refresh-tokens', { issued_before: '2026-123' }],
      ['/admin/audit-events', { occurred_after: '2026-W01-1' }],
      ['/admin/audit-events', { occurred_before: '2026-123' }],
    ] as Array<[string, Record<string, string>]>)(
      'GET %s answers 400 (or reads the date) for the ISO 8601 date %j, never 500',
      async (list, query) => {
        const res = await admin.get(list, query);
        expect(res.status).not.toBe(500);
        if (res.status !== 200) expectAdminError(res, 400);
      },
    );

    it.each([
      ['get', `/admin/refresh-tokens/${randomUUID()}`],
      ['delete', `/admin/refresh-tokens/${randomUUID()}`],
      ['get', '/admin/clients/no-such-client'],
      ['patch', '/admin/clients/no-such-client'],
      ['post', '/admin/clients/no-such-client/secret'],
      ['delete', '/admin/clients/no-such-client'],
      ['get', `/admin/users/${randomUUID()}`],
      ['post', `/admin/users/${randomUUID()}/disable`],
      ['post', `/admin/users/${randomUUID()}/enable`],
      ['delete', `/admin/users/${randomUUID()}`],
    ] as Array<[Method, string]>)('%s %s answers 404 not_found for a missing resource', async (method, p) => {
      expectAdminError(await admin.call(method, p, method === 'patch' ? { client_name: 'x' } : undefined), 404);
    });

    it('answers 404 not_found to PUT /admin/users/{id}/password for a missing user', async () => {
      expectAdminError(await admin.put(`/admin/users/${randomUUID()}/password`, { password: 'a-new-password' }), 404);
    });

    // Regression: IsOptional() lets null through; it once reached NOT NULL columns (500) or
    // silently emptied grant_types (200).
    it.each([
      ['post', '/admin/clients', { grant_types: ['password'], refresh_token_rotation: null }],
      ['post', '/admin/clients', { grant_types: ['password'], access_token_lifetime: null }],
      ['patch', '/admin/clients/valid-client', { client_name: null }],
      ['patch', '/admin/clients/valid-client', { grant_types: null }],
      ['post', '/admin/refresh-tokens/revoke', { subject: null }],
    ] as Array<[Method, string, object]>)(
      '%s %s answers 400 to null for a non-nullable field %j',
      async (method, p, body) => {
        expectAdminError(await admin.call(method, p, body), 400);
        expect((await admin.get('/admin/clients/valid-client')).body.grant_types).toEqual(['client_credentials']);
      },
    );
  });

  describe('GET /admin/refresh-tokens and GET /admin/refresh-tokens/{id}', () => {
    let t: TestApp;
    let admin: AdminApi;
    let flows: TokenFlows;
    const PASSWORD = 'list-user-password';

    beforeAll(async () => {
      t = await startTestApp();
      admin = new AdminApi(t);
      flows = new TokenFlows(t);
    });
    afterAll(() => t.close());

    async function fixture(opts: { idle?: number } = {}) {
      const client = await t.createClient({
        grant_types: ['password', 'refresh_token'],
        scope: 'read write',
        ...(opts.idle ? { refresh_token_idle_lifetime: opts.idle } : {}),
      });
      return client;
    }
    const newUser = (name: string) => t.createUser(`${name}-${randomUUID().slice(0, 8)}`, PASSWORD);
    const usernameOf = async (u: { id: string }) => (await admin.get(`/admin/users/${u.id}`)).body.username as string;

    async function list(query: Record<string, string | number>): Promise<Item[]> {
      const res = await admin.get('/admin/refresh-tokens', { limit: 500, ...query });
      expect(res.status).toBe(200);
      expect(res.body.next_cursor).toBeNull();
      expectNoSecrets(res);
      return res.body.items;
    }

    it('answers each token with exactly the documented fields and values', async () => {
      const client = await fixture();
      const user = await newUser('exact');
      const before = t.clock.now();
      const { refresh_token } = await flows.login(client, await usernameOf(user), PASSWORD, 'read');
      const row = await flows.row(refresh_token);
      const res = await admin.get(`/admin/refresh-tokens/${row.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: row.id,
        family_id: row.family_id,
        client_id: client.client_id,
        subject: user.id,
        scope: 'read',
        issued_at: expect.stringMatching(ISO_TIME),
        expires_at: expect.stringMatching(ISO_TIME),
        last_used_at: null,
        status: 'active',
        revoked_at: null,
        revoked_reason: null,
      });
      const issued = Date.parse(res.body.issued_at);
      expect(issued).toBeGreaterThanOrEqual(before);
      expect(issued).toBeLessThanOrEqual(t.clock.now());
      expect(Math.abs(Date.parse(res.body.expires_at) - issued - 14 * DAY * 1000)).toBeLessThan(1000);
      expectNoSecrets(res, [refresh_token]);
      const listed = await list({ family_id: row.family_id });
      expect(listed).toEqual([res.body]);
      expect(Object.keys(listed[0]).sort()).toEqual(TOKEN_FIELDS);
    });

    it('never answers a token value or hash, in the list or the item', async () => {
      const client = await fixture();
      const user = await newUser('secret');
      const first = await flows.login(client, await usernameOf(user), PASSWORD);
      const second = await flows.rotate(client, first.refresh_token);
      const all = await admin.get('/admin/refresh-tokens', { limit: 500 });
      expectNoSecrets(all, [first.refresh_token, second.refresh_token]);
      for (const item of await list({ subject: user.id })) {
        expect(Object.keys(item).sort()).toEqual(TOKEN_FIELDS);
        expectNoSecrets(await admin.get(`/admin/refresh-tokens/${item.id}`), [
          first.refresh_token,
          second.refresh_token,
        ]);
      }
    });

    it('moves a token from active to rotated on refresh, to revoked on revocation, and the successor with it', async () => {
      const client = await fixture();
      const user = await newUser('status');
      const first = await flows.login(client, await usernameOf(user), PASSWORD);
      const firstId = (await flows.row(first.refresh_token)).id;
      expect((await admin.get(`/admin/refresh-tokens/${firstId}`)).body.status).toBe('active');

      t.clock.advance(5);
      const usedAt = t.clock.now();
      const second = await flows.rotate(client, first.refresh_token);
      const secondId = (await flows.row(second.refresh_token)).id;
      const rotated = (await admin.get(`/admin/refresh-tokens/${firstId}`)).body;
      expect(rotated).toMatchObject({ status: 'rotated', revoked_at: null, revoked_reason: null });
      expect(Math.abs(Date.parse(rotated.last_used_at) - usedAt)).toBeLessThan(5000);
      expect((await admin.get(`/admin/refresh-tokens/${secondId}`)).body).toMatchObject({
        status: 'active',
        last_used_at: null,
      });
      expect((await list({ subject: user.id })).map((i) => [i.id, i.status])).toEqual([
        [secondId, 'active'],
        [firstId, 'rotated'],
      ]);

      const revokedAt = t.clock.now();
      const revoke = await request(t.http)
        .post('/oauth/revoke')
        .type('form')
        .auth(client.client_id, client.client_secret!)
        .send({ token: second.refresh_token });
      expect(revoke.status).toBe(200);
      for (const item of await list({ subject: user.id })) {
        expect(item).toMatchObject({ status: 'revoked', revoked_reason: 'client_request' });
        expect(Math.abs(Date.parse(item.revoked_at as string) - revokedAt)).toBeLessThan(5000);
      }
    });

    it('shows a token unused past its idle lifetime as expired', async () => {
      const client = await fixture({ idle: 60 });
      const user = await newUser('idle');
      const { refresh_token } = await flows.login(client, await usernameOf(user), PASSWORD);
      const { id } = await flows.row(refresh_token);
      t.clock.advance(59);
      expect((await admin.get(`/admin/refresh-tokens/${id}`)).body.status).toBe('active');
      t.clock.advance(2);
      const res = await admin.get(`/admin/refresh-tokens/${id}`);
      expect(res.body).toMatchObject({ status: 'expired', revoked_at: null, revoked_reason: null });
      expect(Date.parse(res.body.expires_at)).toBeLessThanOrEqual(t.clock.now());
      expect((await flows.refresh(client, refresh_token)).body.error).toBe('invalid_grant');
      expect((await admin.get(`/admin/refresh-tokens/${id}`)).body.status).toBe('expired');
    });

    it('filters by status: active, rotated, revoked and expired', async () => {
      const normal = await fixture();
      const short = await fixture({ idle: 60 });
      const user = await newUser('filter-status');
      const name = await usernameOf(user);
      const expired = await flows.login(short, name, PASSWORD);
      t.clock.advance(61);
      const active = await flows.login(normal, name, PASSWORD);
      const r1 = await flows.login(normal, name, PASSWORD);
      const r2 = await flows.rotate(normal, r1.refresh_token);
      const revoked = await flows.login(normal, name, PASSWORD);
      const id = async (v: { refresh_token: string }) => (await flows.row(v.refresh_token)).id;
      expect((await admin.delete(`/admin/refresh-tokens/${await id(revoked)}`)).status).toBe(204);

      const expected: Record<string, string[]> = {
        active: [await id(active), await id(r2)],
        rotated: [await id(r1)],
        revoked: [await id(revoked)],
        expired: [await id(expired)],
      };
      for (const [status, ids] of Object.entries(expected)) {
        const items = await list({ subject: user.id, status });
        expect({ status, ids: sorted(idsOf(items)) }).toEqual({ status, ids: sorted(ids) });
        for (const item of items) expect(item.status).toBe(status);
      }
      expect(await list({ subject: user.id })).toHaveLength(5);
    });

    it('filters by client_id, subject and family_id, alone and combined', async () => {
      const [c1, c2] = [await fixture(), await fixture()];
      const [carol, dave] = [await newUser('carol'), await newUser('dave')];
      const [carolName, daveName] = [await usernameOf(carol), await usernameOf(dave)];
      const f1a = await flows.login(c1, carolName, PASSWORD);
      const f1b = await flows.rotate(c1, f1a.refresh_token);
      const f2 = await flows.login(c1, daveName, PASSWORD);
      const f3 = await flows.login(c2, carolName, PASSWORD);
      const [f1aRow, f1bRow, f2Row, f3Row] = await Promise.all(
        [f1a, f1b, f2, f3].map((v) => flows.row(v.refresh_token)),
      );

      const cases: Array<[Record<string, string>, string[]]> = [
        [{ client_id: c1.client_id }, [f1aRow.id, f1bRow.id, f2Row.id]],
        [{ client_id: c2.client_id }, [f3Row.id]],
        [{ subject: carol.id }, [f1aRow.id, f1bRow.id, f3Row.id]],
        [{ subject: dave.id }, [f2Row.id]],
        [{ client_id: c1.client_id, subject: carol.id }, [f1aRow.id, f1bRow.id]],
        [{ client_id: c2.client_id, subject: dave.id }, []],
        [{ family_id: f1aRow.family_id }, [f1aRow.id, f1bRow.id]],
        [{ family_id: f1aRow.family_id, subject: dave.id }, []],
        [{ family_id: randomUUID() }, []],
        [{ client_id: 'no-such-client' }, []],
        [{ subject: randomUUID() }, []],
      ];
      for (const [query, ids] of cases) {
        const items = await list(query);
        expect({ query, ids: sorted(idsOf(items)) }).toEqual({ query, ids: sorted(ids) });
        for (const item of items) expect(item).toMatchObject(query);
        expectNewestFirst(items, 'issued_at');
      }
      expect(idsOf(await list({ family_id: f1aRow.family_id }))).toEqual([f1bRow.id, f1aRow.id]);
    });

    it('filters by issued_after (inclusive) and issued_before (exclusive)', async () => {
      const client = await fixture();
      const user = await newUser('window');
      const name = await usernameOf(user);
      const early = await flows.login(client, name, PASSWORD);
      t.clock.advance(100);
      const boundary = t.clock.now();
      const late = await flows.login(client, name, PASSWORD);
      t.clock.advance(100);
      const latest = await flows.login(client, name, PASSWORD);
      const [e, l, x] = await Promise.all([early, late, latest].map((v) => flows.row(v.refresh_token)));

      const window = (query: Record<string, string>) => list({ subject: user.id, ...query }).then(idsOf);
      expect(await window({ issued_after: iso(boundary) })).toEqual([x.id, l.id]);
      expect(await window({ issued_before: iso(boundary) })).toEqual([e.id]);
      expect(await window({ issued_after: iso(boundary), issued_before: iso(boundary + 50_000) })).toEqual([l.id]);
      expect(await window({ issued_after: iso(boundary + 150_000) })).toEqual([]);
      const lateIssued = (await admin.get(`/admin/refresh-tokens/${l.id}`)).body.issued_at as string;
      expect(await window({ issued_after: lateIssued, issued_before: iso(boundary + 50_000) })).toEqual([l.id]);
      expect(await window({ issued_after: iso(boundary - 200_000), issued_before: lateIssued })).toEqual([e.id]);
      expect(
        await window({ issued_after: '2000-01-01T00:00:00Z', issued_before: '2000-01-02T00:00:00+02:00' }),
      ).toEqual([]);
    });

    it('answers 50 items by default and at most `limit`', async () => {
      const client = await fixture();
      const user = await newUser('default-limit');
      let { refresh_token } = await flows.login(client, await usernameOf(user), PASSWORD);
      for (let i = 0; i < 52; i++) refresh_token = (await flows.rotate(client, refresh_token)).refresh_token;
      const page = await admin.get('/admin/refresh-tokens', { subject: user.id });
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(50);
      expect(page.body.next_cursor).toEqual(expect.any(String));
      const rest = await admin.get('/admin/refresh-tokens', { subject: user.id, cursor: page.body.next_cursor });
      expect(rest.body.items).toHaveLength(3);
      expect(rest.body.next_cursor).toBeNull();
      const small = await admin.get('/admin/refresh-tokens', { subject: user.id, limit: 3 });
      expect(idsOf(small.body.items)).toEqual(idsOf(page.body.items).slice(0, 3));
      expect(await list({ subject: user.id })).toHaveLength(53);
    });

    it('pages without duplicates or gaps while tokens are added between page fetches, also through ties in issued_at', async () => {
      const client = await fixture();
      const user = await newUser('paging');
      const name = await usernameOf(user);

      // Many tokens issued in the same millisecond: only the id orders them.
      const frozen = jest.spyOn(t.clock, 'now').mockReturnValue(t.clock.now());
      let a = (await flows.login(client, name, PASSWORD)).refresh_token;
      for (let i = 0; i < 15; i++) a = (await flows.rotate(client, a)).refresh_token;
      let b = (await flows.login(client, name, PASSWORD)).refresh_token;
      for (let i = 0; i < 5; i++) b = (await flows.rotate(client, b)).refresh_token;
      frozen.mockRestore();
      t.clock.advance(1);
      for (let i = 0; i < 12; i++) a = (await flows.rotate(client, a)).refresh_token;

      const snapshot = await list({ subject: user.id });
      expect(snapshot).toHaveLength(34);
      expectNewestFirst(snapshot, 'issued_at');
      expect(new Set(snapshot.map((i) => i.issued_at)).size).toBeLessThan(20);

      const added: string[] = [];
      const pages = await admin.pages('/admin/refresh-tokens', { subject: user.id, limit: 7 }, async (index) => {
        // New tokens: a new family, and rotations of the newest token and of one on a later page.
        if (index === 0) added.push((await flows.row((await flows.login(client, name, PASSWORD)).refresh_token)).id);
        a = (await flows.rotate(client, a)).refresh_token;
        added.push((await flows.row(a)).id);
        b = (await flows.rotate(client, b)).refresh_token;
        added.push((await flows.row(b)).id);
      });
      expect(pages.map((p) => p.items.length)).toEqual([7, 7, 7, 7, 6]);
      const paged = pages.flatMap((p) => p.items) as Item[];
      expect(idsOf(paged)).toEqual(idsOf(snapshot));
      expect(new Set(idsOf(paged)).size).toBe(34);
      expect(idsOf(paged).filter((id) => added.includes(id))).toEqual([]);

      const fresh = await list({ subject: user.id });
      expect(fresh).toHaveLength(34 + added.length);
      expect(sorted(idsOf(fresh.slice(0, added.length)))).toEqual(sorted(added));
      expect(idsOf(fresh.slice(added.length))).toEqual(idsOf(snapshot));
      expectNewestFirst(fresh, 'issued_at');
    });
  });

  describe('revoking refresh tokens', () => {
    let t: TestApp;
    let admin: AdminApi;
    let flows: TokenFlows;
    const PASSWORD = 'revoke-user-password';

    beforeAll(async () => {
      t = await startTestApp();
      admin = new AdminApi(t);
      flows = new TokenFlows(t);
    });
    afterAll(() => t.close());

    const fixture = (extra: { refresh_token_idle_lifetime?: number } = {}) =>
      t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read', ...extra });
    async function newUser(name: string) {
      const username = `${name}-${randomUUID().slice(0, 8)}`;
      return { ...(await t.createUser(username, PASSWORD)), username };
    }
    const revoke = (body: object) => admin.post('/admin/refresh-tokens/revoke', body);
    const statuses = async (query: Record<string, string>) =>
      ((await admin.get('/admin/refresh-tokens', { limit: 500, ...query })).body.items as Item[]).map((i) => [
        i.status,
        i.revoked_reason,
      ]);

    describe('DELETE /admin/refresh-tokens/{id}', () => {
      it('revokes the whole family: the newest token is refused at once and its access token turns inactive', async () => {
        const client = await fixture();
        const user = await newUser('hank');
        const other = await flows.login(client, user.username, PASSWORD);
        const t1 = await flows.login(client, user.username, PASSWORD);
        const t2 = await flows.rotate(client, t1.refresh_token);
        const t3 = await flows.rotate(client, t2.refresh_token);
        const { id, family_id } = await flows.row(t1.refresh_token);
        const bearer = await admin.bearer();
        expect((await flows.introspect(bearer, t3.access_token)).body.active).toBe(true);

        const res = await admin.delete(`/admin/refresh-tokens/${id}`);
        expect(res.status).toBe(204);
        expect(res.text).toBe('');

        const refresh = await flows.refresh(client, t3.refresh_token);
        expect(refresh.status).toBe(400);
        expect(refresh.body.error).toBe('invalid_grant');
        const introspection = await flows.introspect(bearer, t3.access_token);
        expect(introspection.status).toBe(200);
        expect(introspection.body).toEqual({ active: false });
        expect((await flows.introspect(bearer, t1.access_token)).body).toEqual({ active: false });

        const family = (await admin.get('/admin/refresh-tokens', { family_id })).body.items as Item[];
        expect(family).toHaveLength(3);
        for (const item of family) {
          expect(item).toMatchObject({ status: 'revoked', revoked_reason: 'admin', revoked_at: expect.any(String) });
        }
        // Another family of the same user and client is untouched.
        expect((await flows.refresh(client, other.refresh_token)).status).toBe(200);

        const events = (await admin.get('/admin/audit-events', { target_id: family_id })).body.items;
        expect(events).toEqual([
          {
            id: expect.stringMatching(UUID),
            occurred_at: expect.stringMatching(ISO_TIME),
            actor: ACTOR,
            action: 'refresh_token_family.revoked',
            target_type: 'refresh_token_family',
            target_id: family_id,
            reason: expect.any(String),
          },
        ]);
      });

      it('answers 204 again for a token already revoked, and 404 for an unknown id', async () => {
        const client = await fixture();
        const user = await newUser('ivy');
        const { refresh_token } = await flows.login(client, user.username, PASSWORD);
        const { id } = await flows.row(refresh_token);
        expect((await admin.delete(`/admin/refresh-tokens/${id}`)).status).toBe(204);
        expect((await admin.delete(`/admin/refresh-tokens/${id}`)).status).toBe(204);
        expect((await admin.get(`/admin/refresh-tokens/${id}`)).body.status).toBe('revoked');
        expectAdminError(await admin.delete(`/admin/refresh-tokens/${randomUUID()}`), 404);
        expectAdminError(await admin.get(`/admin/refresh-tokens/${randomUUID()}`), 404);
      });
    });

    describe('POST /admin/refresh-tokens/revoke', () => {
      it('answers the exact number of active families revoked by subject and/or client, leaving others working', async () => {
        const [r1, r2] = [await fixture(), await fixture()];
        const [kim, lee] = [await newUser('kim'), await newUser('lee')];
        const k1 = await flows.login(r1, kim.username, PASSWORD);
        const k2 = await flows.rotate(r1, (await flows.login(r1, kim.username, PASSWORD)).refresh_token);
        const k3 = await flows.login(r2, kim.username, PASSWORD);
        const k4 = await flows.login(r1, kim.username, PASSWORD);
        expect((await admin.delete(`/admin/refresh-tokens/${(await flows.row(k4.refresh_token)).id}`)).status).toBe(
          204,
        );
        const l1 = await flows.login(r1, lee.username, PASSWORD);

        const both = await revoke({ subject: kim.id, client_id: r2.client_id });
        expect(both.status).toBe(200);
        expect(both.body).toEqual({ revoked: 1 });
        expect((await flows.refresh(r2, k3.refresh_token)).body.error).toBe('invalid_grant');
        const k1b = await flows.rotate(r1, k1.refresh_token);

        expect((await revoke({ subject: kim.id })).body).toEqual({ revoked: 2 });
        expect((await flows.refresh(r1, k1b.refresh_token)).body.error).toBe('invalid_grant');
        expect((await flows.refresh(r1, k2.refresh_token)).body.error).toBe('invalid_grant');
        for (const [status] of await statuses({ subject: kim.id })) expect(status).toBe('revoked');
        expect((await revoke({ subject: kim.id })).body).toEqual({ revoked: 0 });

        // Lee's family on the same client was never touched.
        const l2 = await flows.rotate(r1, l1.refresh_token);
        expect((await revoke({ client_id: r1.client_id })).body).toEqual({ revoked: 1 });
        expect((await flows.refresh(r1, l2.refresh_token)).body.error).toBe('invalid_grant');
        expect(await statuses({ subject: lee.id })).toEqual([
          ['revoked', 'admin'],
          ['revoked', 'admin'],
        ]);
        expect((await revoke({ client_id: r1.client_id })).body).toEqual({ revoked: 0 });
        expect((await revoke({ subject: randomUUID() })).body).toEqual({ revoked: 0 });
        expect((await revoke({ client_id: 'no-such-client' })).body).toEqual({ revoked: 0 });
      });

      it('records each bulk revocation in the audit log', async () => {
        const client = await fixture();
        const user = await newUser('mia');
        await flows.login(client, user.username, PASSWORD);
        expect((await revoke({ subject: user.id })).body).toEqual({ revoked: 1 });
        expect((await revoke({ client_id: client.client_id })).body).toEqual({ revoked: 0 });
        const bySubject = (await admin.get('/admin/audit-events', { target_id: user.id })).body.items;
        expect(bySubject).toEqual([
          expect.objectContaining({
            actor: ACTOR,
            action: 'refresh_tokens.bulk_revoked',
            target_type: 'subject',
            target_id: user.id,
          }),
        ]);
        const byClient = (await admin.get('/admin/audit-events', { target_id: client.client_id })).body.items;
        expect(byClient).toEqual([
          expect.objectContaining({
            actor: ACTOR,
            action: 'refresh_tokens.bulk_revoked',
            target_type: 'client',
            target_id: client.client_id,
          }),
        ]);
      });

      it('answers 400 when neither subject nor client_id is given', async () => {
        expectAdminError(await revoke({}), 400);
        expectAdminError(await admin.post('/admin/refresh-tokens/revoke'), 400);
      });

      // A family within its absolute lifetime is revoked (and counted) even when its refresh tokens
      // are idle-expired: its access tokens may still be live, and revocation ends them at once.
      it('revokes and counts every family within its absolute lifetime, idle-expired ones included', async () => {
        const short = await fixture({ refresh_token_idle_lifetime: 60 });
        const normal = await fixture();
        const user = await newUser('ned');
        await flows.login(short, user.username, PASSWORD);
        t.clock.advance(61);
        await flows.login(normal, user.username, PASSWORD);
        expect((await statuses({ subject: user.id })).map(([s]) => s)).toEqual(['active', 'expired']);
        expect((await revoke({ subject: user.id })).body).toEqual({ revoked: 2 });
        expect((await statuses({ subject: user.id })).map(([s]) => s)).toEqual(['revoked', 'revoked']);
      });
    });
  });

  describe('clients', () => {
    let t: TestApp;
    let admin: AdminApi;
    let flows: TokenFlows;

    beforeAll(async () => {
      t = await startTestApp();
      admin = new AdminApi(t);
      flows = new TokenFlows(t);
      await t.createUser('client-user', 'client-user-password');
    });
    afterAll(() => t.close());

    const create = (body: object) => admin.post('/admin/clients', body);
    const ccToken = (creds: Credentials) => t.token({ grant_type: 'client_credentials' }, basic(creds));
    const withoutSecret = (body: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'client_secret'));

    it('creates a client with the defaults filled in and its secret shown once, which works at /oauth/token', async () => {
      const before = t.clock.now();
      const res = await create({ grant_types: ['client_credentials'], scope: 'read write' });
      expect(res.status).toBe(201);
      expect(clientFields(res.body, { secret: true })).toEqual({
        client_id: expect.stringMatching(UUID),
        client_name: '',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        scope: 'read write',
        token_endpoint_auth_method: 'client_secret_basic',
        refresh_token_rotation: true,
        refresh_token_reuse_interval: 0,
        refresh_token_absolute_lifetime: 2592000,
        refresh_token_idle_lifetime: 1209600,
        access_token_lifetime: 900,
        introspection_allowed: false,
        created_at: expect.stringMatching(ISO_TIME),
        updated_at: expect.stringMatching(ISO_TIME),
        client_secret: expect.stringMatching(/^ascs_[A-Za-z0-9_-]{43}$/),
      });
      expect(res.body.created_at).toBe(res.body.updated_at);
      expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before);
      expect(res.text).not.toMatch(/[0-9a-f]{64}/);

      const token = await ccToken(res.body);
      expect(token.status).toBe(200);
      expect(token.body).toMatchObject({ scope: 'read write', expires_in: 900 });

      const got = await admin.get(`/admin/clients/${res.body.client_id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(withoutSecret(res.body));
      clientFields(got.body);
      expectNoSecrets(got, [res.body.client_secret]);
    });

    it('stores every given field', async () => {
      const input = {
        client_id: 'billing-service',
        client_name: 'Billing',
        redirect_uris: ['https://billing.example/cb', 'http://localhost:8080/cb'],
        grant_types: ['password', 'refresh_token'],
        scope: 'read invoices',
        token_endpoint_auth_method: 'client_secret_post',
        refresh_token_rotation: false,
        refresh_token_reuse_interval: 300,
        refresh_token_absolute_lifetime: 86400,
        refresh_token_idle_lifetime: 3600,
        access_token_lifetime: 300,
        introspection_allowed: true,
      };
      const res = await create(input);
      expect(res.status).toBe(201);
      expect(clientFields(res.body, { secret: true })).toEqual({
        ...input,
        created_at: expect.stringMatching(ISO_TIME),
        updated_at: expect.stringMatching(ISO_TIME),
        client_secret: expect.stringMatching(/^ascs_/),
      });
      expect(withoutSecret((await admin.get('/admin/clients/billing-service')).body)).toEqual(withoutSecret(res.body));

      const token = await request(t.http).post('/oauth/token').type('form').send({
        grant_type: 'password',
        username: 'client-user',
        password: 'client-user-password',
        client_id: 'billing-service',
        client_secret: res.body.client_secret,
      });
      expect(token.status).toBe(200);
      expect(token.body).toMatchObject({ expires_in: 300, scope: 'read invoices' });
      const item = (await admin.get('/admin/refresh-tokens', { client_id: 'billing-service' })).body.items[0];
      expect(Date.parse(item.expires_at) - Date.parse(item.issued_at)).toBeLessThan(3601 * 1000);
    });

    it('creates a public client without a secret, which uses its client_id alone', async () => {
      const res = await create({
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: ['https://app.example/cb'],
      });
      expect(res.status).toBe(201);
      expect(clientFields(res.body).token_endpoint_auth_method).toBe('none');
      const pkce = pkcePair();
      const location = await new Browser(t.http).authorize(
        authorizeUrl({
          response_type: 'code',
          client_id: res.body.client_id,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
        'client-user',
        'client-user-password',
      );
      const token = await request(t.http)
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code'),
          code_verifier: pkce.verifier,
          client_id: res.body.client_id,
        });
      expect(token.status).toBe(200);
      expectAdminError(await admin.post(`/admin/clients/${res.body.client_id}/secret`), 400);
    });

    it('refuses client_credentials for a public client, at creation and by PATCH', async () => {
      expectAdminError(
        await create({ token_endpoint_auth_method: 'none', grant_types: ['client_credentials', 'password'] }),
        400,
      );
      const pub = await create({
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        redirect_uris: ['https://app.example/cb'],
      });
      expectAdminError(
        await admin.patch(`/admin/clients/${pub.body.client_id}`, { grant_types: ['client_credentials'] }),
        400,
      );
      const conf = await create({ grant_types: ['client_credentials'] });
      expectAdminError(
        await admin.patch(`/admin/clients/${conf.body.client_id}`, { token_endpoint_auth_method: 'none' }),
        400,
      );
      expect((await admin.get(`/admin/clients/${pub.body.client_id}`)).body.grant_types).toEqual([
        'authorization_code',
      ]);
      expect((await ccToken(conf.body)).status).toBe(200);
    });

    it('refuses a duplicate client_id with 400 and keeps the first client and its secret', async () => {
      const first = await create({ client_id: 'dup-client', grant_types: ['client_credentials'], client_name: 'one' });
      expect(first.status).toBe(201);
      expectAdminError(await create({ client_id: 'dup-client', grant_types: ['password'], client_name: 'two' }), 400);
      expect((await admin.get('/admin/clients/dup-client')).body).toMatchObject({
        client_name: 'one',
        grant_types: ['client_credentials'],
      });
      expect((await ccToken(first.body)).status).toBe(200);
    });

    it('lists clients newest first with cursor pagination, never showing a secret', async () => {
      const created: Array<{ client_id: string; client_secret: string }> = [];
      for (let i = 0; i < 5; i++) {
        t.clock.advance(1);
        created.push((await create({ client_id: `listed-${i}`, grant_types: ['client_credentials'] })).body);
      }
      const all = await admin.get('/admin/clients', { limit: 500 });
      expect(all.body.next_cursor).toBeNull();
      expect(all.body.items.slice(0, 5).map((c: Item) => c.client_id)).toEqual([
        'listed-4',
        'listed-3',
        'listed-2',
        'listed-1',
        'listed-0',
      ]);
      expectNewestFirst(all.body.items, 'created_at', 'client_id');
      for (const item of all.body.items) clientFields(item);
      expectNoSecrets(
        all,
        created.map((c) => c.client_secret),
      );

      const pages = await admin.pages('/admin/clients', { limit: 2 });
      const paged = pages.flatMap((p) => p.items).map((c) => c.client_id);
      expect(paged).toEqual(all.body.items.map((c: Item) => c.client_id));
      expect(pages.slice(0, -1).every((p) => p.items.length === 2)).toBe(true);
      expect(new Set(paged).size).toBe(paged.length);
    });

    it('PATCH changes only the given fields, and the token endpoint follows', async () => {
      const created = (await create({ client_id: 'patched', grant_types: ['client_credentials'], scope: 'read' })).body;
      t.clock.advance(5);
      const res = await admin.patch('/admin/clients/patched', { client_name: 'Renamed', access_token_lifetime: 120 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...withoutSecret(created),
        client_name: 'Renamed',
        access_token_lifetime: 120,
        updated_at: expect.stringMatching(ISO_TIME),
      });
      expect(Date.parse(res.body.updated_at) - Date.parse(created.created_at)).toBeGreaterThanOrEqual(5000);
      expect((await admin.get('/admin/clients/patched')).body).toEqual(res.body);
      clientFields(res.body);
      const token = await ccToken(created);
      expect(token.status).toBe(200);
      expect(token.body.expires_in).toBe(120);

      const second = await admin.patch('/admin/clients/patched', {
        scope: 'read write',
        refresh_token_reuse_interval: 10,
        introspection_allowed: true,
      });
      expect(second.body).toEqual({
        ...res.body,
        scope: 'read write',
        refresh_token_reuse_interval: 10,
        introspection_allowed: true,
        updated_at: expect.any(String),
      });
      expectAdminError(await admin.patch('/admin/clients/patched', { client_name: 'x', colour: 'red' }), 400);
      expectAdminError(await admin.patch('/admin/clients/patched', { client_id: 'other' }), 400);
      expectAdminError(await admin.patch('/admin/clients/patched', { access_token_lifetime: '60' }), 400);
      expect((await admin.get('/admin/clients/patched')).body).toEqual(second.body);
      expectNoSecrets(second, [created.client_secret]);
    });

    it('rotates the secret: the new one is shown once and the old one stops working at once', async () => {
      const created = (await create({ client_id: 'rotating', grant_types: ['client_credentials'] })).body;
      expect((await ccToken(created)).status).toBe(200);
      const res = await admin.post('/admin/clients/rotating/secret');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        client_id: 'rotating',
        client_secret: expect.stringMatching(/^ascs_[A-Za-z0-9_-]{43}$/),
      });
      expect(res.body.client_secret).not.toBe(created.client_secret);
      const old = await ccToken(created);
      expect(old.status).toBe(401);
      expect(old.body.error).toBe('invalid_client');
      expect((await ccToken(res.body)).status).toBe(200);
      const got = await admin.get('/admin/clients/rotating');
      clientFields(got.body);
      expectNoSecrets(got, [created.client_secret, res.body.client_secret]);
    });

    it('DELETE removes the client and revokes every one of its refresh tokens, which stay listed', async () => {
      const created = (
        await create({ client_id: 'leaving', grant_types: ['password', 'refresh_token'], scope: 'read' })
      ).body;
      const a = await flows.login(created, 'client-user', 'client-user-password');
      const a2 = await flows.rotate(created, a.refresh_token);
      await flows.login(created, 'client-user', 'client-user-password');

      const res = await admin.delete('/admin/clients/leaving');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectAdminError(await admin.get('/admin/clients/leaving'), 404);
      expect(
        (await admin.get('/admin/clients', { limit: 500 })).body.items.map((c: Item) => c.client_id),
      ).not.toContain('leaving');
      const items = (await admin.get('/admin/refresh-tokens', { client_id: 'leaving' })).body.items as Item[];
      expect(items).toHaveLength(3);
      for (const item of items) {
        expect(item).toMatchObject({
          status: 'revoked',
          revoked_reason: 'client_deleted',
          revoked_at: expect.any(String),
        });
      }
      const refresh = await flows.refresh(created, a2.refresh_token);
      expect(refresh.status).toBe(401);
      expect(refresh.body.error).toBe('invalid_client');
      expectAdminError(await admin.delete('/admin/clients/leaving'), 404);
    });

    // Regression: a client_id of 200 characters needing JSON escapes makes a next_cursor of about
    // 560 characters, once over the cursor parameter's limit.
    it('accepts back every next_cursor it issued, whatever the client_id', async () => {
      const clientId = '"'.repeat(200);
      expect((await create({ client_id: clientId, grant_types: ['client_credentials'] })).status).toBe(201);
      const first = await admin.get('/admin/clients', { limit: 1 });
      expect(first.body.items[0].client_id).toBe(clientId);
      const second = await admin.get('/admin/clients', { limit: 1, cursor: first.body.next_cursor });
      expect(second.status).toBe(200);
      expect(second.body.items[0].client_id).not.toBe(clientId);
    });
  });

  describe('users', () => {
    let t: TestApp;
    let admin: AdminApi;
    let flows: TokenFlows;
    let app: Credentials;

    beforeAll(async () => {
      t = await startTestApp();
      admin = new AdminApi(t);
      flows = new TokenFlows(t);
      app = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    });
    afterAll(() => t.close());

    const passwordGrant = (username: string, password: string) =>
      t.token({ grant_type: 'password', username, password }, basic(app));
    async function create(username: string, password = `${username}-password`) {
      const res = await admin.post('/admin/users', { username, password });
      expect(res.status).toBe(201);
      return res.body as { id: string; username: string };
    }
    const tokensOf = async (id: string) =>
      (await admin.get('/admin/refresh-tokens', { subject: id, limit: 500 })).body.items as Item[];

    it('creates a user whose id is the sub of its tokens, and never shows the password', async () => {
      const before = t.clock.now();
      const res = await admin.post('/admin/users', { username: 'nina', password: 'nina-secret-pw' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        username: 'nina',
        disabled: false,
        disabled_at: null,
        created_at: expect.stringMatching(ISO_TIME),
        updated_at: expect.stringMatching(ISO_TIME),
      });
      expect(res.body.created_at).toBe(res.body.updated_at);
      expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before);
      expect(res.text).not.toContain('nina-secret-pw');
      expect(res.text).not.toContain('scrypt');

      const grant = await passwordGrant('nina', 'nina-secret-pw');
      expect(grant.status).toBe(200);
      expect(claimsOf(grant.body.access_token).sub).toBe(res.body.id);
      expect((await tokensOf(res.body.id)).map((i) => i.subject)).toEqual([res.body.id]);

      const got = await admin.get(`/admin/users/${res.body.id}`);
      expect(got.body).toEqual(res.body);
      expect(Object.keys(got.body).sort()).toEqual(USER_FIELDS);
      expect(got.text).not.toContain('scrypt');
    });

    it('accepts passwords of 8 and 1024 characters, refuses a taken username', async () => {
      await create('olga', 'x'.repeat(8));
      await create('oscar', 'y'.repeat(1024));
      expect((await passwordGrant('oscar', 'y'.repeat(1024))).status).toBe(200);
      expectAdminError(await admin.post('/admin/users', { username: 'olga', password: 'another-password' }), 400);
      expect((await passwordGrant('olga', 'x'.repeat(8))).status).toBe(200);
    });

    it('lists users newest first with cursor pagination', async () => {
      for (let i = 0; i < 4; i++) {
        t.clock.advance(1);
        await create(`paged-${i}`);
      }
      const all = await admin.get('/admin/users', { limit: 500 });
      expect(all.status).toBe(200);
      expect(all.body.next_cursor).toBeNull();
      expect(all.body.items.slice(0, 4).map((u: Item) => u.username)).toEqual([
        'paged-3',
        'paged-2',
        'paged-1',
        'paged-0',
      ]);
      expectNewestFirst(all.body.items, 'created_at');
      for (const item of all.body.items) expect(Object.keys(item).sort()).toEqual(USER_FIELDS);
      expect(all.text).not.toContain('scrypt');
      const pages = await admin.pages('/admin/users', { limit: 3 });
      expect(idsOf(pages.flatMap((p) => p.items) as Item[])).toEqual(idsOf(all.body.items));
      expect(pages.length).toBeGreaterThan(1);
    });

    it('disabling revokes the refresh tokens and refuses the password grant; enabling lets the user in again', async () => {
      const user = await create('paul');
      const first = await flows.login(app, 'paul', 'paul-password');
      const second = await flows.login(app, 'paul', 'paul-password');
      t.clock.advance(1);
      const disabledAt = t.clock.now();

      const res = await admin.post(`/admin/users/${user.id}/disable`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...user,
        disabled: true,
        disabled_at: expect.stringMatching(ISO_TIME),
        updated_at: expect.stringMatching(ISO_TIME),
      });
      expect(Math.abs(Date.parse(res.body.disabled_at) - disabledAt)).toBeLessThan(5000);
      expect((await admin.get(`/admin/users/${user.id}`)).body).toEqual(res.body);
      for (const item of await tokensOf(user.id)) {
        expect(item).toMatchObject({ status: 'revoked', revoked_reason: 'user_disabled' });
      }
      for (const { refresh_token } of [first, second]) {
        expect((await flows.refresh(app, refresh_token)).body.error).toBe('invalid_grant');
      }
      const refused = await passwordGrant('paul', 'paul-password');
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');

      const enabled = await admin.post(`/admin/users/${user.id}/enable`);
      expect(enabled.status).toBe(200);
      expect(enabled.body).toEqual({ ...res.body, disabled: false, disabled_at: null, updated_at: expect.any(String) });
      expect((await passwordGrant('paul', 'paul-password')).status).toBe(200);
      expect((await flows.refresh(app, second.refresh_token)).body.error).toBe('invalid_grant');
    });

    it('PUT password: the old password fails, the new one works, and old refresh tokens are revoked', async () => {
      const user = await create('quinn', 'quinn-old-password');
      const old = await flows.login(app, 'quinn', 'quinn-old-password');
      expectAdminError(await admin.put(`/admin/users/${user.id}/password`, { password: 'short' }), 400);
      expect((await flows.refresh(app, old.refresh_token)).status).toBe(200);
      const kept = await flows.login(app, 'quinn', 'quinn-old-password');

      const res = await admin.put(`/admin/users/${user.id}/password`, { password: 'quinn-new-password' });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const oldGrant = await passwordGrant('quinn', 'quinn-old-password');
      expect(oldGrant.status).toBe(400);
      expect(oldGrant.body.error).toBe('invalid_grant');
      expect((await flows.refresh(app, kept.refresh_token)).body.error).toBe('invalid_grant');
      const revoked = await tokensOf(user.id);
      expect(revoked).toHaveLength(3);
      for (const item of revoked) expect(item).toMatchObject({ status: 'revoked', revoked_reason: 'password_changed' });

      const fresh = await flows.login(app, 'quinn', 'quinn-new-password');
      expect((await admin.get(`/admin/refresh-tokens/${(await flows.row(fresh.refresh_token)).id}`)).body.status).toBe(
        'active',
      );
      expect((await admin.get(`/admin/users/${user.id}`)).body.disabled).toBe(false);
    });

    it('DELETE removes the user and revokes its refresh tokens', async () => {
      const user = await create('rita');
      const { refresh_token } = await flows.login(app, 'rita', 'rita-password');
      const res = await admin.delete(`/admin/users/${user.id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectAdminError(await admin.get(`/admin/users/${user.id}`), 404);
      expect((await passwordGrant('rita', 'rita-password')).body.error).toBe('invalid_grant');
      expect((await flows.refresh(app, refresh_token)).body.error).toBe('invalid_grant');
      const items = await tokensOf(user.id);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ status: 'revoked', revoked_reason: 'user_deleted' });
      expectAdminError(await admin.delete(`/admin/users/${user.id}`), 404);
      expectAdminError(await admin.post(`/admin/users/${user.id}/enable`), 404);
    });

    // Regression: concurrent creations of one username all pass the existence check; the unique
    // index must answer 400, not 500.
    it('answers 400, never 500, to concurrent creations of one username', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => admin.post('/admin/users', { username: 'racer', password: 'racer-password' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
    });
  });

  describe('GET /admin/audit-events', () => {
    let t: TestApp;
    let admin: AdminApi;
    let flows: TokenFlows;
    let userId: string;
    let familyRevoked: string;
    let familyReplayed: string;
    const steps: Array<{ at: number; action: string }> = [];

    beforeAll(async () => {
      t = await startTestApp();
      admin = new AdminApi(t);
      flows = new TokenFlows(t);
      const step = async (action: string, work: () => Promise<unknown>) => {
        t.clock.advance(10);
        steps.push({ at: t.clock.now(), action });
        await work();
      };
      const ok = (status: number) => (res: request.Response) => expect(res.status).toBe(status);
      const app = { client_id: 'audit-app', client_secret: '' };

      await step('client.created', async () => {
        const res = await admin.post('/admin/clients', {
          client_id: 'audit-app',
          grant_types: ['password', 'refresh_token'],
          scope: 'read',
        });
        ok(201)(res);
        app.client_secret = res.body.client_secret;
      });
      await step('client.updated', async () =>
        ok(200)(await admin.patch('/admin/clients/audit-app', { client_name: 'A' })),
      );
      await step('client.secret_rotated', async () => {
        const res = await admin.post('/admin/clients/audit-app/secret');
        ok(200)(res);
        app.client_secret = res.body.client_secret;
      });
      await step('user.created', async () => {
        const res = await admin.post('/admin/users', { username: 'sam', password: 'sam-password' });
        ok(201)(res);
        userId = res.body.id;
      });
      await step('refresh_token.reuse_detected', async () => {
        const first = await flows.login(app, 'sam', 'sam-password');
        await flows.rotate(app, first.refresh_token);
        expect((await flows.refresh(app, first.refresh_token)).status).toBe(400);
        familyReplayed = (await flows.row(first.refresh_token)).family_id;
      });
      await step('refresh_token_family.revoked', async () => {
        const { refresh_token } = await flows.login(app, 'sam', 'sam-password');
        const row = await flows.row(refresh_token);
        familyRevoked = row.family_id;
        ok(204)(await admin.delete(`/admin/refresh-tokens/${row.id}`));
      });
      await step('refresh_tokens.bulk_revoked', async () =>
        ok(200)(await admin.post('/admin/refresh-tokens/revoke', { subject: userId })),
      );
      await step('user.disabled', async () => ok(200)(await admin.post(`/admin/users/${userId}/disable`)));
      await step('user.enabled', async () => ok(200)(await admin.post(`/admin/users/${userId}/enable`)));
      await step('user.password_changed', async () =>
        ok(204)(await admin.put(`/admin/users/${userId}/password`, { password: 'sam-new-password' })),
      );
      await step('user.deleted', async () => ok(204)(await admin.delete(`/admin/users/${userId}`)));
      await step('client.deleted', async () => ok(204)(await admin.delete('/admin/clients/audit-app')));
    });
    afterAll(() => t.close());

    const all = async (query: Record<string, string | number> = {}) => {
      const res = await admin.get('/admin/audit-events', { limit: 500, ...query });
      expect(res.status).toBe(200);
      expect(res.body.next_cursor).toBeNull();
      return res.body.items as Item[];
    };
    const event = (action: string, target_type: string, target_id: string, actor = ACTOR) =>
      expect.objectContaining({ actor, action, target_type, target_id });

    it('records every admin action with the admin client as actor, and a replay with the client as actor', async () => {
      const items = await all();
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(AUDIT_FIELDS);
        expect(item).toEqual({
          id: expect.stringMatching(UUID),
          occurred_at: expect.stringMatching(ISO_TIME),
          actor: expect.any(String),
          action: expect.any(String),
          target_type: expect.any(String),
          target_id: expect.any(String),
          reason: item.reason === null ? null : expect.any(String),
        });
      }
      expect(items).toEqual(
        expect.arrayContaining([
          event('client.created', 'client', 'audit-app'),
          event('client.updated', 'client', 'audit-app'),
          event('client.secret_rotated', 'client', 'audit-app'),
          event('user.created', 'user', userId),
          event('refresh_token.reuse_detected', 'refresh_token_family', familyReplayed, 'client:audit-app'),
          event('refresh_token_family.revoked', 'refresh_token_family', familyRevoked),
          event('refresh_tokens.bulk_revoked', 'subject', userId),
          event('user.disabled', 'user', userId),
          event('user.enabled', 'user', userId),
          event('user.password_changed', 'user', userId),
          event('user.deleted', 'user', userId),
          event('refresh_tokens.bulk_revoked', 'client', 'audit-app'),
          event('client.deleted', 'client', 'audit-app'),
        ]),
      );
      expect(items.filter((e) => e.actor !== ACTOR)).toEqual([
        event('refresh_token.reuse_detected', 'refresh_token_family', familyReplayed, 'client:audit-app'),
      ]);
      expectNoSecrets(await admin.get('/admin/audit-events', { limit: 500 }));
    });

    it('answers newest first', async () => {
      const items = await all();
      expectNewestFirst(items, 'occurred_at');
      // Each step 10 s after the last: the events of the steps come in the step order, reversed
      // (bulk revocations recur in several steps and are left out).
      const once = (action: string) => action !== 'refresh_tokens.bulk_revoked';
      expect(items.map((e) => e.action as string).filter(once)).toEqual(
        [...steps]
          .reverse()
          .map((s) => s.action)
          .filter(once),
      );
    });

    it('filters by action, actor and target_id', async () => {
      expect(await all({ action: 'client.created' })).toEqual([event('client.created', 'client', 'audit-app')]);
      const bulk = await all({ action: 'refresh_tokens.bulk_revoked' });
      expect(bulk).toHaveLength(5); // revoke, disable, password change, user delete, client delete
      for (const e of bulk) expect(e.action).toBe('refresh_tokens.bulk_revoked');
      expect(await all({ actor: 'client:audit-app' })).toEqual([
        event('refresh_token.reuse_detected', 'refresh_token_family', familyReplayed, 'client:audit-app'),
      ]);
      const byAdmin = await all({ actor: ACTOR });
      expect(byAdmin.length).toBe((await all()).length - 1);
      const byUser = await all({ target_id: userId });
      expect(byUser.map((e) => e.action).sort()).toEqual([
        'refresh_tokens.bulk_revoked',
        'refresh_tokens.bulk_revoked',
        'refresh_tokens.bulk_revoked',
        'refresh_tokens.bulk_revoked',
        'user.created',
        'user.deleted',
        'user.disabled',
        'user.enabled',
        'user.password_changed',
      ]);
      expect(await all({ target_id: familyRevoked })).toEqual([
        event('refresh_token_family.revoked', 'refresh_token_family', familyRevoked),
      ]);
      expect(await all({ action: 'client.created', target_id: userId })).toEqual([]);
      expect(await all({ actor: 'admin:someone-else' })).toEqual([]);
    });

    it('filters by occurred_after (inclusive) and occurred_before (exclusive)', async () => {
      const at = (action: string) => steps.find((s) => s.action === action)!.at;
      const window = await all({ occurred_after: iso(at('user.created')), occurred_before: iso(at('user.disabled')) });
      expect(window.map((e) => e.action)).toEqual([
        'refresh_tokens.bulk_revoked',
        'refresh_token_family.revoked',
        'refresh_token.reuse_detected',
        'user.created',
      ]);
      const after = await all({ occurred_after: iso(at('user.deleted')) });
      expect(sorted(after.map((e) => e.action as string))).toEqual([
        'client.deleted',
        'refresh_tokens.bulk_revoked',
        'refresh_tokens.bulk_revoked',
        'user.deleted',
      ]);
      const before = await all({ occurred_before: iso(at('client.updated')) });
      expect(before).toEqual([event('client.created', 'client', 'audit-app')]);
      expect(await all({ occurred_after: iso(t.clock.now() + 60_000) })).toEqual([]);
    });

    it('pages with a cursor, without duplicates or gaps, while new events are recorded', async () => {
      const snapshot = await all();
      const added: string[] = [];
      const pages = await admin.pages('/admin/audit-events', { limit: 4 }, async () => {
        const res = await admin.post('/admin/users', { username: `late-${added.length}`, password: 'late-password' });
        expect(res.status).toBe(201);
        added.push(res.body.id);
      });
      expect(pages.slice(0, -1).every((p) => p.items.length === 4)).toBe(true);
      const paged = pages.flatMap((p) => p.items) as Item[];
      expect(idsOf(paged)).toEqual(idsOf(snapshot));
      expect(paged.filter((e) => added.includes(e.target_id as string))).toEqual([]);
      const fresh = await all();
      expect(fresh.slice(0, added.length).map((e) => e.target_id)).toEqual([...added].reverse());
      const filtered = await admin.pages('/admin/audit-events', { limit: 2, target_id: userId });
      expect(idsOf(filtered.flatMap((p) => p.items) as Item[])).toEqual(idsOf(await all({ target_id: userId })));
    });
  });
});
