import { AdminApi } from './support/admin-api.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestApp, startTestApp } from './support/test-app.js';
import { bearerTokenResponse } from './support/token-response.js';

const APP_CB = 'https://app.example/cb';
const ADMIN_WITH_USER_GRANTS =
  "a client with the admin scope cannot use the authorization_code grant: a user's token would carry admin rights (ADMIN_SCOPE_WITH_USER_GRANTS=true allows it)";

/** The exact admin error body of a refused registration or change. */
const refused = (message: string) => ({ status: 400, body: { status: 400, error: 'bad_request', message } });
const answer = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });

const publicClient = (extra: Record<string, unknown> = {}) => ({
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'none',
  redirect_uris: [APP_CB],
  ...extra,
});

describe('client registration rules (RFC 9700), on POST and PATCH /admin/clients', () => {
  let t: TestApp;
  let admin: AdminApi;

  beforeAll(async () => {
    t = await startTestApp();
    admin = new AdminApi(t);
  });
  afterAll(() => t.close());

  /** POST the body, and PATCH a valid client into the same shape: both answer `expected`. */
  async function refusedBoth(valid: Record<string, unknown>, bad: Record<string, unknown>, message: string) {
    expect(answer(await admin.post('/admin/clients', { ...valid, ...bad }))).toEqual(refused(message));
    const created = await admin.post('/admin/clients', valid);
    expect(created.status).toBe(201);
    const path = `/admin/clients/${encodeURIComponent(created.body.client_id)}`;
    expect(answer(await admin.patch(path, bad))).toEqual(refused(message));
    const after = await admin.get(path);
    expect(after.body).toEqual({ ...created.body, client_secret: undefined });
  }

  describe('(a) a public client must rotate its refresh tokens (RFC 9700 2.2.2)', () => {
    const message =
      'RFC 9700 2.2.2: a public client (token_endpoint_auth_method none) needs refresh_token_rotation true';

    it('refuses a public client without refresh_token_rotation, registered or changed', async () => {
      await refusedBoth(publicClient(), { refresh_token_rotation: false }, message);
    });

    it('refuses turning a confidential client without rotation into a public one', async () => {
      const valid = { grant_types: ['authorization_code'], redirect_uris: [APP_CB], refresh_token_rotation: false };
      await refusedBoth(valid, { token_endpoint_auth_method: 'none' }, message);
    });

    it('still lets a confidential client turn rotation off', async () => {
      const res = await admin.post('/admin/clients', { grant_types: ['password'], refresh_token_rotation: false });
      expect(res.status).toBe(201);
      expect(res.body.refresh_token_rotation).toBe(false);
    });
  });

  describe('(b) redirect URIs are https, or http on a loopback host (RFC 9700 2.6)', () => {
    const message = (uri: string) =>
      `RFC 9700 2.6: redirect_uris must use https except on a loopback host (127.0.0.1, [::1], localhost): ${uri}`;

    it.each(['http://app.example/cb', 'http://localhost.evil.example/cb', 'http://10.0.0.1/cb'])(
      'refuses %s, registered or changed',
      async (uri) => {
        await refusedBoth(publicClient(), { redirect_uris: [APP_CB, uri] }, message(uri));
      },
    );

    it('accepts https and the loopback hosts 127.0.0.1, [::1] and localhost over http', async () => {
      const uris = [APP_CB, 'http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost:3000/cb'];
      const res = await admin.post('/admin/clients', publicClient({ redirect_uris: uris }));
      expect(res.status).toBe(201);
      expect(res.body.redirect_uris).toEqual(uris);
    });
  });

  describe('(c) no password grant for a public client (RFC 9700 2.4)', () => {
    const message = 'RFC 9700 2.4: a public client (token_endpoint_auth_method none) cannot use the password grant';

    it('refuses a public client with the password grant, registered or changed', async () => {
      await refusedBoth(publicClient(), { grant_types: ['password', 'refresh_token'] }, message);
    });

    it('refuses turning a confidential password client into a public one', async () => {
      await refusedBoth({ grant_types: ['password'] }, { token_endpoint_auth_method: 'none' }, message);
    });
  });

  describe('(d) a client_id is never a user id (RFC 9700 2.6)', () => {
    it('refuses a client_id equal to an existing user id, whose client_credentials tokens would carry sub = that user', async () => {
      const user = await admin.post('/admin/users', { username: 'mallory-target', password: 'a-long-password-1' });
      expect(user.status).toBe(201);
      const res = await admin.post('/admin/clients', {
        client_id: user.body.id,
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      expect(answer(res)).toEqual(refused(`RFC 9700 2.6: client_id ${user.body.id} is the id of a user`));
      expect((await admin.get(`/admin/clients/${user.body.id}`)).status).toBe(404);
    });
  });

  describe('(e) no admin scope beside a user-facing grant, by default', () => {
    it.each([
      ['admin', 'authorization_code', { redirect_uris: [APP_CB] }],
      ['admin:read', 'password', {}],
    ])('refuses scope %s with the %s grant, registered or changed', async (scope, grant, extra) => {
      const message = `a client with the ${scope} scope cannot use the ${grant} grant: a user's token would carry admin rights (ADMIN_SCOPE_WITH_USER_GRANTS=true allows it)`;
      const valid = { grant_types: ['client_credentials'], scope: `read ${scope}`, ...extra };
      await refusedBoth(valid, { grant_types: ['client_credentials', grant] }, message);
    });

    it('refuses giving a user-facing client an admin scope', async () => {
      await refusedBoth(
        { grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [APP_CB], scope: 'read' },
        { scope: 'read admin' },
        ADMIN_WITH_USER_GRANTS,
      );
    });

    it('refuses it for the bootstrap admin client too', async () => {
      const res = await admin.patch(`/admin/clients/${ADMIN_CLIENT_ID}`, {
        grant_types: ['client_credentials', 'authorization_code'],
        redirect_uris: [APP_CB],
      });
      expect(answer(res)).toEqual(refused(ADMIN_WITH_USER_GRANTS));
    });
  });

  describe('B: admin includes admin:read', () => {
    it('grants the admin client `admin admin:read` (Swagger UI’s "select all") by client_credentials', async () => {
      const res = await t.token(
        { grant_type: 'client_credentials', scope: 'admin admin:read' },
        { id: ADMIN_CLIENT_ID, secret: ADMIN_CLIENT_SECRET },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual(bearerTokenResponse('admin admin:read'));
      const list = await admin.get('/admin/clients', { limit: 1 });
      expect(list.status).toBe(200);
    });

    it('does not grant admin to a client that holds admin:read only', async () => {
      const reader = await admin.post('/admin/clients', { grant_types: ['client_credentials'], scope: 'admin:read' });
      const res = await t.token(
        { grant_type: 'client_credentials', scope: 'admin admin:read' },
        { id: reader.body.client_id, secret: reader.body.client_secret },
      );
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { error: 'invalid_scope', error_description: 'scope exceeds what was granted: admin' },
      });
    });
  });
});

describe('ADMIN_SCOPE_WITH_USER_GRANTS=true', () => {
  let t: TestApp;
  let admin: AdminApi;

  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_SCOPE_WITH_USER_GRANTS: 'true' } });
    admin = new AdminApi(t);
  });
  afterAll(async () => {
    delete process.env.ADMIN_SCOPE_WITH_USER_GRANTS;
    await t.close();
  });

  it('allows an admin scope beside a user-facing grant', async () => {
    const res = await admin.post('/admin/clients', {
      grant_types: ['authorization_code', 'password'],
      redirect_uris: [APP_CB],
      scope: 'read admin',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ grant_types: ['authorization_code', 'password'], scope: 'read admin' });
  });

  it('keeps every other rule', async () => {
    const res = await admin.post('/admin/clients', publicClient({ redirect_uris: ['http://app.example/cb'] }));
    expect(answer(res)).toEqual(
      refused(
        'RFC 9700 2.6: redirect_uris must use https except on a loopback host (127.0.0.1, [::1], localhost): http://app.example/cb',
      ),
    );
  });
});
