import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AdminApi, ISO_TIME, TokenFlows, UUID, expectAdminError, expectNoSecrets } from './support/admin-api.js';
import { type TestApp, startTestApp } from './support/test-app.js';
import { ACTOR, DAY, TOKEN_FIELDS, type Item, iso, idsOf, sorted, expectNewestFirst } from './support/admin-fields.js';

jest.setTimeout(30_000);

describe('admin API', () => {
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
        family_url: `/admin/refresh-token-families/${row.family_id}`,
        client_id: client.client_id,
        subject: user.id,
        scope: 'read',
        issued_at: expect.stringMatching(ISO_TIME),
        expires_at: expect.stringMatching(ISO_TIME),
        last_used_at: null,
        status: 'active',
        revoked_at: null,
        revoked_reason: null,
        dpop_jkt: null,
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
});
