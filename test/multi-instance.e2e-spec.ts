import request from 'supertest';
import { holdRotationRace } from './support/lookup-barrier.js';
import { TEST_DIALECT } from './support/test-database.js';
import { type TestApp, basic, startTwoInstances } from './support/test-app.js';

// The deployment the two instances model: one PostgreSQL (or SQLite file) and one Redis.
// The password grant shares the sign-in throttle, whose per-address count for 127.0.0.1 Redis keeps across
// suites and runs (other suites' failed sign-ins): raised here, so that only this suite's own requests count.
const shared = { REDIS_URL: 'redis://127.0.0.1:6379', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000' };

describe('two instances sharing one database and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    [a, b] = await startTwoInstances(shared);
    client = await a.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    await a.createUser('erin', 'erin-password-1');
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  async function firstRefreshToken(): Promise<string> {
    const res = await a.token({ grant_type: 'password', username: 'erin', password: 'erin-password-1' }, basic(client));
    return res.body.refresh_token;
  }

  it('lets exactly one of 50 concurrent refreshes split across both instances succeed', async () => {
    const rt = await firstRefreshToken();
    const form = { grant_type: 'refresh_token', refresh_token: rt };
    const race = await holdRotationRace(rt, 50, [a, b]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).token(form, basic(client))),
    );
    expect(race.expected).toBeGreaterThanOrEqual(TEST_DIALECT === 'sqlite' ? 50 : 10);
    expect(await race.release()).toBeGreaterThanOrEqual(race.expected);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(49);
  });

  it('sees on one instance a rotation made on the other', async () => {
    const rt = await firstRefreshToken();
    const rotated = await a.token({ grant_type: 'refresh_token', refresh_token: rt }, basic(client));
    expect(rotated.status).toBe(200);
    const next = await b.token(
      { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token },
      basic(client),
    );
    expect(next.status).toBe(200);
    const replay = await b.token({ grant_type: 'refresh_token', refresh_token: rt }, basic(client));
    expect(replay.body.error).toBe('invalid_grant');
    const revoked = await a.token(
      { grant_type: 'refresh_token', refresh_token: next.body.refresh_token },
      basic(client),
    );
    expect(revoked.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token has been revoked' });
  });

  it('sees a client changed or deleted through the other instance at once', async () => {
    const admin = `Bearer ${await a.adminToken()}`;
    const creds = basic(await a.createClient({ grant_types: ['client_credentials'], scope: 'read write' }));
    expect((await b.token({ grant_type: 'client_credentials', scope: 'write' }, creds)).status).toBe(200);
    await request(a.http)
      .patch(`/admin/clients/${creds.id}`)
      .set('authorization', admin)
      .send({ scope: 'read' })
      .expect(200);
    expect((await b.token({ grant_type: 'client_credentials', scope: 'write' }, creds)).body.error).toBe(
      'invalid_scope',
    );
    await request(a.http).delete(`/admin/clients/${creds.id}`).set('authorization', admin).expect(204);
    expect((await b.token({ grant_type: 'client_credentials' }, creds)).status).toBe(401);
  });

  it('refuses on one instance, at once, the admin token of a client deleted through the other', async () => {
    const admin = `Bearer ${await a.adminToken()}`;
    const creds = basic(await a.createClient({ grant_types: ['client_credentials'], scope: 'admin:read' }));
    const token = (await b.token({ grant_type: 'client_credentials' }, creds)).body.access_token as string;
    // Instance b now holds the client in its cache.
    await request(b.http).get('/admin/clients').set('authorization', `Bearer ${token}`).expect(200);
    await request(a.http).delete(`/admin/clients/${creds.id}`).set('authorization', admin).expect(204);
    await request(b.http).get('/admin/clients').set('authorization', `Bearer ${token}`).expect(401);
  });

  it('refuses on one instance a refresh token revoked through the other', async () => {
    const rt = await firstRefreshToken();
    const admin = `Bearer ${await b.adminToken()}`;
    const listed = await request(b.http)
      .get('/admin/refresh-tokens')
      .query({ client_id: client.client_id, status: 'active', limit: 1 })
      .set('authorization', admin);
    await request(b.http)
      .delete(`/admin/refresh-tokens/${listed.body.items[0].id}`)
      .set('authorization', admin)
      .expect(204);
    const res = await a.token({ grant_type: 'refresh_token', refresh_token: rt }, basic(client));
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token has been revoked' });
  });
});
