import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashSecret } from '#oauth';
import { TcpProxy } from './support/tcp-proxy.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * PostgreSQL goes away during a steady stream of refreshes (a proxy in front of it drops every
 * connection), then comes back. Runs against PostgreSQL in both suite passes: the fault is a
 * network one, which the embedded SQLite cannot have.
 */
describe('database fault during a stream of refreshes', () => {
  const name = `as_fault_${randomBytes(6).toString('hex')}`;
  const proxy = new TcpProxy(Number(new URL(ADMIN_URL).port || 5432));
  let t: TestApp;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await proxy.start();
    const url = new URL(ADMIN_URL);
    url.port = String(proxy.port);
    url.pathname = `/${name}`;
    t = await startTestApp({
      database: { url: url.toString(), drop: async () => undefined },
      env: { DATABASE_POOL_SIZE: '4' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('answers 503 while it is down, turns readiness red, recovers by itself, and loses no grant', async () => {
    const client = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    await t.createUser('olga', 'olga-password-1');
    const first = await t.token(
      { grant_type: 'password', username: 'olga', password: 'olga-password-1' },
      basic(client),
    );
    let current: string = first.body.refresh_token;
    const handedOut: string[] = [current];
    const outcomes: { phase: string; status: number; body: Record<string, unknown> }[] = [];

    const refresh = async (phase: string) => {
      const res = await t.token({ grant_type: 'refresh_token', refresh_token: current }, basic(client));
      outcomes.push({ phase, status: res.status, body: res.body });
      if (res.status === 200) {
        current = res.body.refresh_token;
        handedOut.push(current);
      }
      return res;
    };

    for (let i = 0; i < 5; i++) expect((await refresh('before')).status).toBe(200);
    proxy.cut();
    for (let i = 0; i < 5; i++) await refresh('down');
    const ready = await request(t.http).get('/health/ready');
    expect(ready.status).toBe(503);
    proxy.restore();
    let recovered = false;
    for (let i = 0; i < 20 && !recovered; i++) recovered = (await refresh('after')).status === 200;
    expect(recovered).toBe(true);
    for (let i = 0; i < 5; i++) expect((await refresh('after')).status).toBe(200);
    expect((await request(t.http).get('/health/ready')).status).toBe(200);

    const down = outcomes.filter((o) => o.phase === 'down');
    expect(down.map((o) => o.status)).toEqual([503, 503, 503, 503, 503]);
    for (const o of down)
      expect(o.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    expect(outcomes.every((o) => o.status < 500 || o.status === 503)).toBe(true);

    // Every refresh token handed out is in the database, and no family is half-rotated: each used
    // token has exactly one successor, and only the newest token is unused.
    const rows = (await t.app
      .get(DataSource)
      .query('SELECT id, parent_id, token_hash, used_at FROM refresh_token')) as {
      id: string;
      parent_id: string | null;
      token_hash: string;
      used_at: string | null;
    }[];
    const stored = new Set(rows.map((r) => r.token_hash));
    expect(handedOut.filter((v) => !stored.has(hashSecret(v)))).toEqual([]);
    for (const r of rows.filter((x) => x.used_at !== null)) {
      expect(rows.filter((c) => c.parent_id === r.id)).toHaveLength(1);
    }
    expect(rows.filter((r) => r.used_at === null).map((r) => r.token_hash)).toEqual([hashSecret(current)]);
  });
});
