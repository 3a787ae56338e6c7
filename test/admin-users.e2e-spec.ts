import { jest } from '@jest/globals';
import {
  AdminApi,
  type Credentials,
  ISO_TIME,
  TokenFlows,
  UUID,
  claimsOf,
  expectAdminError,
} from './support/admin-api.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';
import { USER_FIELDS, type Item, idsOf, expectNewestFirst } from './support/admin-fields.js';

jest.setTimeout(30_000);

describe('admin API', () => {
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
});
