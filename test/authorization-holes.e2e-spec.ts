/**
 * Regression tests for the authorization holes of the security review: user tokens acting as admin
 * tokens, a refresh after the client's scope was narrowed, escaping a disable or a new password
 * during the password hash, bearers that outlive a secret rotation, introspection of tokens whose
 * client or user is gone, and a family holding several live tokens through the reuse interval.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ClientCache } from '../apps/authorization-server/src/clients/client-cache.js';
import { UsersService } from '../apps/authorization-server/src/users/users.service.js';
import { Browser, authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { TEST_DIALECT } from './support/test-database.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

type Client = { client_id: string; client_secret?: string };

const CALLBACK = 'https://app.example/cb';

describe('authorization holes of the security review', () => {
  let t: TestApp;
  let admin: string;
  let n = 0;

  beforeAll(async () => {
    // Registers a client with an admin scope and a user-facing grant: the attack of item 1 needs one.
    t = await startTestApp({ env: { ADMIN_SCOPE_WITH_USER_GRANTS: 'true' } });
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  const sql = (text: string) => (TEST_DIALECT === 'postgres' ? text : text.replace(/\$\d+/g, '?'));
  const query = (text: string, params: unknown[] = []) => t.app.get(DataSource).query(sql(text), params);
  const adminCall = (method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, token = admin) =>
    request(t.http)[method](path).set('authorization', `Bearer ${token}`);
  const introspect = (token: string, bearer = admin) =>
    request(t.http).post('/oauth/introspect').type('form').set('authorization', `Bearer ${bearer}`).send({ token });

  async function user(): Promise<{ id: string; username: string; password: string }> {
    const username = `holes-user-${++n}`;
    const password = `${username}-password`;
    return { ...(await t.createUser(username, password)), username, password };
  }

  async function passwordGrant(client: Client, u: { username: string; password: string }, scope?: string) {
    const form: Record<string, string> = { grant_type: 'password', username: u.username, password: u.password };
    if (scope) form.scope = scope;
    return t.token(form, basic(client));
  }

  const refresh = (client: Client, refreshToken: string, scope?: string) =>
    t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope ? { scope } : {}) }, basic(client));

  const clientToken = async (client: Client, scope?: string) =>
    (await t.token({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, basic(client))).body
      .access_token as string;

  /** Runs `during` after the password grant has read the user and hashed, before it stores anything. */
  async function duringPasswordHash(during: () => Promise<unknown>): Promise<() => void> {
    const users = t.app.get(UsersService);
    const original = users.verifyCredentials.bind(users);
    users.verifyCredentials = async (username: string, password: string) => {
      const found = await original(username, password);
      await during();
      return found;
    };
    return () => {
      users.verifyCredentials = original;
    };
  }

  describe('admin and introspection bearers are client_credentials tokens of a client that still holds the scope', () => {
    let dual: Client;
    beforeAll(async () => {
      dual = await t.createClient({
        grant_types: ['password', 'refresh_token', 'client_credentials'],
        scope: 'read admin',
      });
    });

    it("refuses a user's token with the admin scope at the admin API (401) and as an introspection caller (401)", async () => {
      const u = await user();
      const res = await passwordGrant(dual, u, 'read admin');
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('read admin');
      const asAdmin = await adminCall('get', '/admin/clients', res.body.access_token);
      expect(asAdmin.status).toBe(401);
      expect(asAdmin.headers['www-authenticate']).toContain('error="invalid_token"');
      const asCaller = await introspect(res.body.access_token, res.body.access_token);
      expect(asCaller.status).toBe(401);
      expect(asCaller.body.error).toBe('invalid_token');
    });

    it("accepts the same client's own client_credentials token", async () => {
      const own = await clientToken(dual, 'admin');
      expect((await adminCall('get', '/admin/clients', own)).status).toBe(200);
      expect((await introspect('x', own)).body).toEqual({ active: false });
    });

    it('refuses a token once the admin scope is taken from the client, at once (403 without the scope)', async () => {
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'admin read' });
      const own = await clientToken(c, 'admin');
      expect((await adminCall('get', '/admin/clients', own)).status).toBe(200);
      // The scope alone, as a change that did not go through the API would leave it (no credentials change
      // recorded: the PATCH case is the next test); the cache learns it as it does from any instance.
      await query('UPDATE oauth_client SET scope = $1 WHERE client_id = $2', ['read', c.client_id]);
      await t.app.get(ClientCache).invalidate(c.client_id);
      const after = await adminCall('get', '/admin/clients', own);
      expect(after.status).toBe(403);
      expect(after.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect((await introspect('x', own)).status).toBe(403);
    });

    it('refuses a token issued before a scope change or a secret rotation (401), and accepts a new one', async () => {
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'admin admin:read read' });
      const before = await clientToken(c, 'admin:read');
      t.clock.advance(2);
      expect((await adminCall('patch', `/admin/clients/${c.client_id}`).send({ scope: 'admin:read' })).status).toBe(
        200,
      );
      expect((await adminCall('get', '/admin/clients', before)).status).toBe(401);
      expect((await introspect('x', before)).status).toBe(401);
      expect((await adminCall('get', '/admin/clients', await clientToken(c))).status).toBe(200);

      const current = await clientToken(c);
      t.clock.advance(2);
      const rotated = await adminCall('post', `/admin/clients/${c.client_id}/secret`);
      expect(rotated.status).toBe(200);
      expect((await adminCall('get', '/admin/clients', current)).status).toBe(401);
      expect((await introspect('x', current)).status).toBe(401);
      const fresh = await clientToken({ client_id: c.client_id, client_secret: rotated.body.client_secret });
      expect((await adminCall('get', '/admin/clients', fresh)).status).toBe(200);
    });

    it('refuses a token of a deleted client at once', async () => {
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'admin' });
      const own = await clientToken(c);
      expect((await adminCall('delete', `/admin/clients/${c.client_id}`)).status).toBe(204);
      expect((await adminCall('get', '/admin/clients', own)).status).toBe(401);
      expect((await introspect('x', own)).status).toBe(401);
    });
  });

  describe('a refresh grants the family scope as far as the client still holds it', () => {
    it('narrows the access token to the client’s current scope, and refuses a wider request without using the token', async () => {
      const c = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write admin' });
      const u = await user();
      const first = await passwordGrant(c, u, 'read admin');
      expect(first.body.scope).toBe('read admin');
      expect((await adminCall('patch', `/admin/clients/${c.client_id}`).send({ scope: 'read write' })).status).toBe(
        200,
      );
      const wider = await refresh(c, first.body.refresh_token, 'read admin');
      expect(wider.status).toBe(400);
      expect(wider.body.error).toBe('invalid_scope');
      // invalid_scope left the token unused: the plain refresh still works, with the narrowed scope.
      const narrowed = await refresh(c, first.body.refresh_token);
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.scope).toBe('read');
      const claims = JSON.parse(Buffer.from(narrowed.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims.scope).toBe('read');
      const again = await refresh(c, narrowed.body.refresh_token, 'read');
      expect(again.status).toBe(200);
      expect(again.body.scope).toBe('read');
    });
  });

  describe('a grant cannot escape a disable, a deletion or a new password', () => {
    let c: Client;
    beforeAll(async () => {
      c = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    });

    const changes: Array<[string, (id: string) => Promise<unknown>]> = [
      ['disabled', (id) => adminCall('post', `/admin/users/${id}/disable`)],
      ['deleted', (id) => adminCall('delete', `/admin/users/${id}`)],
      [
        'given a new password',
        (id) => adminCall('put', `/admin/users/${id}/password`).send({ password: 'brand-new-password-1' }),
      ],
    ];

    it.each(changes)('stores no grant for a user %s during the password hash', async (_, change) => {
      const u = await user();
      const restore = await duringPasswordHash(() => change(u.id));
      try {
        const res = await passwordGrant(c, u);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: 'invalid_grant',
          error_description: 'the resource owner credentials are invalid',
        });
      } finally {
        restore();
      }
      expect(await query('SELECT id FROM refresh_token_family WHERE subject = $1', [u.id])).toEqual([]);
    });

    it('issues no access token either to a client without refresh tokens for a user disabled during the hash', async () => {
      const plain = await t.createClient({ grant_types: ['password'], scope: 'read' });
      const u = await user();
      const restore = await duringPasswordHash(() => adminCall('post', `/admin/users/${u.id}/disable`));
      try {
        expect((await passwordGrant(plain, u)).body.error).toBe('invalid_grant');
      } finally {
        restore();
      }
    });

    it('refuses a disable racing real password grants: no grant that answered 200 refreshes afterwards', async () => {
      for (const delay of [10, 30, 50, 70]) {
        const u = await user();
        const grant = passwordGrant(c, u);
        await new Promise((r) => setTimeout(r, delay));
        expect((await adminCall('post', `/admin/users/${u.id}/disable`)).status).toBe(200);
        const res = await grant;
        if (res.status === 200) expect((await refresh(c, res.body.refresh_token)).body.error).toBe('invalid_grant');
        else expect(res.body.error).toBe('invalid_grant');
      }
    });

    it('refuses to refresh a family whose user’s token epoch moved, was disabled or is gone, even where nothing revoked it', async () => {
      const cases: Array<(id: string) => Promise<unknown>> = [
        (id) => query('UPDATE app_user SET token_epoch = token_epoch + 1 WHERE id = $1', [id]),
        (id) => query('UPDATE app_user SET disabled_at = 1 WHERE id = $1', [id]),
        async (id) => {
          await query('DELETE FROM login_session WHERE user_id = $1', [id]);
          await query('DELETE FROM app_user WHERE id = $1', [id]);
        },
      ];
      const tokens: string[] = [];
      const subjects: string[] = [];
      for (const change of cases) {
        const u = await user();
        const res = await passwordGrant(c, u);
        expect(res.status).toBe(200);
        await change(u.id);
        tokens.push(res.body.refresh_token);
        subjects.push(u.id);
      }
      // Together, so that PostgreSQL also takes the batched rotation statement.
      const answers = await Promise.all(tokens.map((rt) => refresh(c, rt)));
      for (const res of answers) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: 'invalid_grant',
          error_description: 'the grant ended: the user was disabled, removed or changed password',
        });
      }
      // Refused before rotating: no token was used, no successor stored.
      const rows = await query('SELECT used_at FROM refresh_token WHERE subject IN ($1, $2, $3)', subjects);
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.used_at).toBeNull();
    });

    it('keeps a family refused after the user is enabled again', async () => {
      const u = await user();
      const res = await passwordGrant(c, u);
      await query('UPDATE app_user SET token_epoch = token_epoch + 1 WHERE id = $1', [u.id]);
      expect((await adminCall('post', `/admin/users/${u.id}/enable`)).status).toBe(200);
      expect((await refresh(c, res.body.refresh_token)).body.error).toBe('invalid_grant');
      // A new sign-in works again.
      expect((await passwordGrant(c, u)).status).toBe(200);
    });
  });

  describe('the code flow cannot escape a disable or a new password', () => {
    let web: Client;
    beforeAll(async () => {
      web = await t.createClient({
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read',
        redirect_uris: [CALLBACK],
        first_party: true,
      });
    });

    const authorizePath = (challenge: string) =>
      authorizeUrl({
        response_type: 'code',
        client_id: web.client_id,
        redirect_uri: CALLBACK,
        scope: 'read',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
    const exchange = (code: string, verifier: string) =>
      t.token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, basic(web));

    it('refuses a code issued before the user was disabled and enabled again, and stores nothing', async () => {
      const u = await user();
      const pkce = pkcePair();
      const location = await new Browser(t.http).authorize(authorizePath(pkce.challenge), u.username, u.password);
      await adminCall('post', `/admin/users/${u.id}/disable`);
      await adminCall('post', `/admin/users/${u.id}/enable`);
      const res = await exchange(location.searchParams.get('code')!, pkce.verifier);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the authorization code is invalid' });
      expect(await query('SELECT id FROM refresh_token_family WHERE subject = $1', [u.id])).toEqual([]);
    });

    it('ends a sign-in whose password check raced a new password: the session issues no code', async () => {
      const u = await user();
      const restore = await duringPasswordHash(() =>
        adminCall('put', `/admin/users/${u.id}/password`).send({ password: 'brand-new-password-2' }),
      );
      const browser = new Browser(t.http);
      const pkce = pkcePair();
      try {
        const login = await browser.open(authorizePath(pkce.challenge));
        const signedIn = await browser.signIn(login.text, u.username, u.password);
        expect(signedIn.status).toBe(303);
      } finally {
        restore();
      }
      // The session was created with the old password's epoch: the browser is asked to sign in again.
      const next = await browser.open(authorizePath(pkce.challenge));
      expect(next.status).toBe(200);
      expect(next.text).toContain('/oauth/authorize/login');
    });
  });

  describe('introspection and revocation follow the current state of the client and the user', () => {
    it('reports the access token of a disabled or deleted user inactive, and revoking it is a quiet 200', async () => {
      const plain = await t.createClient({ grant_types: ['password'], scope: 'read' });
      for (const end of ['disable', 'delete'] as const) {
        const u = await user();
        const { access_token } = (await passwordGrant(plain, u)).body;
        expect((await introspect(access_token)).body.active).toBe(true);
        if (end === 'disable') await adminCall('post', `/admin/users/${u.id}/disable`);
        else await adminCall('delete', `/admin/users/${u.id}`);
        expect((await introspect(access_token)).body).toEqual({ active: false });
        const revoked = await request(t.http)
          .post('/oauth/revoke')
          .type('form')
          .auth(plain.client_id, plain.client_secret!)
          .send({ token: access_token });
        expect(revoked.status).toBe(200);
        expect(revoked.text).toBe('');
      }
    });

    it('reports the access tokens of a deleted client inactive', async () => {
      const c = await t.createClient({ grant_types: ['password', 'client_credentials'], scope: 'read' });
      const u = await user();
      const userToken = (await passwordGrant(c, u)).body.access_token as string;
      const own = await clientToken(c);
      expect((await introspect(userToken)).body.active).toBe(true);
      expect((await introspect(own)).body.active).toBe(true);
      await adminCall('delete', `/admin/clients/${c.client_id}`);
      expect((await introspect(userToken)).body).toEqual({ active: false });
      expect((await introspect(own)).body).toEqual({ active: false });
    });

    it("reports a client's own token inactive once its secret was rotated", async () => {
      const c = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      const own = await clientToken(c);
      t.clock.advance(2);
      await adminCall('post', `/admin/clients/${c.client_id}/secret`);
      expect((await introspect(own)).body).toEqual({ active: false });
    });
  });

  describe('a family holds one live refresh token, also within the reuse interval', () => {
    let lenient: Client;
    beforeAll(async () => {
      lenient = await t.createClient({
        grant_types: ['password', 'refresh_token'],
        scope: 'read',
        refresh_token_reuse_interval: 60,
      });
    });

    const live = async (familyId: string) =>
      query('SELECT id FROM refresh_token WHERE family_id = $1 AND used_at IS NULL AND revoked_at IS NULL', [familyId]);
    const familyOf = (res: request.Response) =>
      JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString()).sid as string;

    it('answers each retry with a successor that replaces the previous one (1 rotation, 3 retries: 1 live token)', async () => {
      const u = await user();
      const first = await passwordGrant(lenient, u);
      const rotated = await refresh(lenient, first.body.refresh_token);
      expect(rotated.status).toBe(200);
      const retries = [];
      for (let i = 0; i < 3; i++) {
        t.clock.advance(1);
        const res = await refresh(lenient, first.body.refresh_token);
        expect(res.status).toBe(200);
        retries.push(res.body.refresh_token as string);
      }
      expect(await live(familyOf(first))).toHaveLength(1);
      const rows = await query(
        'SELECT revoked_reason FROM refresh_token WHERE family_id = $1 AND revoked_at IS NOT NULL',
        [familyOf(first)],
      );
      expect(rows.map((r: { revoked_reason: string }) => r.revoked_reason)).toEqual([
        'superseded',
        'superseded',
        'superseded',
      ]);
      // The newest retry's token is the family's one live token.
      expect((await refresh(lenient, retries[2])).status).toBe(200);
    });

    it('treats a replaced token presented again as a replay: the whole family is revoked', async () => {
      const u = await user();
      const first = await passwordGrant(lenient, u);
      const rotated = await refresh(lenient, first.body.refresh_token);
      const retry = await refresh(lenient, first.body.refresh_token);
      expect(retry.status).toBe(200);
      const replaced = await refresh(lenient, rotated.body.refresh_token);
      expect(replaced.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token was already used; the grant has been revoked',
      });
      expect((await refresh(lenient, retry.body.refresh_token)).body.error).toBe('invalid_grant');
      expect(await live(familyOf(first))).toEqual([]);
    });

    it('treats a retry after the successor was used as a replay, within the interval too', async () => {
      const u = await user();
      const first = await passwordGrant(lenient, u);
      const rotated = await refresh(lenient, first.body.refresh_token);
      const next = await refresh(lenient, rotated.body.refresh_token);
      expect(next.status).toBe(200);
      const retry = await refresh(lenient, first.body.refresh_token);
      expect(retry.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token was already used; the grant has been revoked',
      });
      expect((await refresh(lenient, next.body.refresh_token)).body.error).toBe('invalid_grant');
    });

    it('keeps one live token when retries arrive together', async () => {
      const u = await user();
      const first = await passwordGrant(lenient, u);
      await refresh(lenient, first.body.refresh_token);
      const answers = await Promise.all(Array.from({ length: 6 }, () => refresh(lenient, first.body.refresh_token)));
      for (const res of answers) expect(res.status).toBe(200);
      expect(await live(familyOf(first))).toHaveLength(1);
    });
  });
});
