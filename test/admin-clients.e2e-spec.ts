import { jest } from '@jest/globals';
import request from 'supertest';
import {
  AdminApi,
  type Credentials,
  ISO_TIME,
  TokenFlows,
  UUID,
  expectAdminError,
  expectNoSecrets,
} from './support/admin-api.js';
import { Browser, authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';
import { clientFields, type Item, expectNewestFirst } from './support/admin-fields.js';

jest.setTimeout(30_000);

describe('admin API', () => {
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
});
