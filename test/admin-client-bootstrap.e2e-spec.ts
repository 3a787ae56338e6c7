/**
 * The admin client of ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET is created when missing and otherwise left
 * alone at start: a secret rotation or a scope change made through the admin API survives a restart.
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import { JsonLogger } from '../apps/authorization-server/src/logging/json-logger.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestApp, startTestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** Every line the server logs. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  warnings(): { msg: string; context?: string }[] {
    return this.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn');
  }
}

const ENV_SECRET = { id: ADMIN_CLIENT_ID, secret: ADMIN_CLIENT_SECRET };

describe('admin client bootstrap from ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', () => {
  let database: TestDatabase;
  let t: TestApp | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await database.drop();
  });

  async function restart(capture: Capture): Promise<TestApp> {
    await t?.close();
    t = await startTestApp({ database, logger: new JsonLogger('log', capture) });
    return t;
  }

  const adminApi = (app: TestApp, token: string) => ({
    get: (path: string) => request(app.http).get(path).set('authorization', `Bearer ${token}`),
    post: (path: string) => request(app.http).post(path).set('authorization', `Bearer ${token}`),
    patch: (path: string, body: object) =>
      request(app.http).patch(path).set('authorization', `Bearer ${token}`).send(body),
    delete: (path: string) => request(app.http).delete(path).set('authorization', `Bearer ${token}`),
  });

  it('keeps a secret and scope changed through the admin API across a restart, with a warning', async () => {
    t = await startTestApp({ database });
    const api = adminApi(t, await t.adminToken());
    const rotated = await api.post(`/admin/clients/${ADMIN_CLIENT_ID}/secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.client_secret as string;
    expect(newSecret).toMatch(/^ascs_/);
    // A token from before the rotation no longer acts as admin: change the scope with a new one.
    const current = await t.token({ grant_type: 'client_credentials' }, { id: ADMIN_CLIENT_ID, secret: newSecret });
    const changed = await adminApi(t, current.body.access_token).patch(`/admin/clients/${ADMIN_CLIENT_ID}`, {
      scope: 'admin:read read',
      client_name: 'Ops console',
    });
    expect(changed.status).toBe(200);

    const capture = new Capture();
    const app = await restart(capture);

    expect((await app.token({ grant_type: 'client_credentials' }, ENV_SECRET)).status).toBe(401);
    const res = await app.token({ grant_type: 'client_credentials' }, { id: ADMIN_CLIENT_ID, secret: newSecret });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('admin:read read');
    const client = await adminApi(app, res.body.access_token).get(`/admin/clients/${ADMIN_CLIENT_ID}`);
    expect(client.status).toBe(200);
    expect(client.body).toMatchObject({
      client_id: ADMIN_CLIENT_ID,
      client_name: 'Ops console',
      scope: 'admin:read read',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    });

    expect(capture.warnings()).toEqual([
      expect.objectContaining({
        context: 'AdminClientBootstrap',
        msg: expect.stringContaining(
          `admin client ${ADMIN_CLIENT_ID} exists with another secret than ADMIN_CLIENT_SECRET`,
        ),
      }),
    ]);
    const logged = capture.lines.join('\n');
    expect(logged).not.toContain(ADMIN_CLIENT_SECRET);
    expect(logged).not.toContain(newSecret);
  });

  it('restarts without a warning, and without touching the client, when the secret is unchanged', async () => {
    t = await startTestApp({ database });
    const api = adminApi(t, await t.adminToken());
    expect((await api.patch(`/admin/clients/${ADMIN_CLIENT_ID}`, { scope: 'admin:read' })).status).toBe(200);

    const capture = new Capture();
    const app = await restart(capture);

    const res = await app.token({ grant_type: 'client_credentials' }, ENV_SECRET);
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('admin:read');
    expect(capture.warnings()).toEqual([]);
  });

  it('creates the admin client again from the environment after it was deleted through the admin API', async () => {
    t = await startTestApp({ database });
    const other = await t.createClient({ grant_types: ['client_credentials'], scope: 'admin' });
    const otherToken = (
      await t.token({ grant_type: 'client_credentials' }, { id: other.client_id, secret: other.client_secret! })
    ).body.access_token as string;
    expect((await adminApi(t, otherToken).delete(`/admin/clients/${ADMIN_CLIENT_ID}`)).status).toBe(204);
    expect((await t.token({ grant_type: 'client_credentials' }, ENV_SECRET)).status).toBe(401);

    const capture = new Capture();
    const app = await restart(capture);

    const res = await app.token({ grant_type: 'client_credentials' }, ENV_SECRET);
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('admin');
    expect(capture.warnings()).toEqual([]);
  });
});
