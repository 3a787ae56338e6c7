import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AdminApi, type Credentials, type Method, expectAdminError } from './support/admin-api.js';
import { ADMIN_CLIENT_ID, type TestApp, basic, startTestApp } from './support/test-app.js';
import { DAY, type Item, sorted, b64 } from './support/admin-fields.js';

jest.setTimeout(30_000);

describe('admin API', () => {
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
      ['post', '/admin/clients', { grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }],
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
});
