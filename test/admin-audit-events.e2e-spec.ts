import { jest } from '@jest/globals';
import request from 'supertest';
import { AdminApi, ISO_TIME, TokenFlows, UUID, expectNoSecrets } from './support/admin-api.js';
import { type TestApp, startTestApp } from './support/test-app.js';
import { ACTOR, AUDIT_FIELDS, type Item, iso, idsOf, sorted, expectNewestFirst } from './support/admin-fields.js';

jest.setTimeout(30_000);

describe('admin API', () => {
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
