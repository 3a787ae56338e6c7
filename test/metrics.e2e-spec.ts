import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { validateEnvironment } from '#config';
import { HTTP_DURATION_BUCKETS } from '../apps/authorization-server/src/metrics/metrics.service.js';
import { Browser, authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { TEST_DIALECT } from './support/test-database.js';
import { ADMIN_CLIENT_SECRET, type TestApp, basic, startTestApp } from './support/test-app.js';

const PASSWORD = 'correct horse battery staple';

/** The samples of a Prometheus text exposition, keyed `name{a="x",b="y"}` with the labels sorted by name. */
function parseScrape(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]);
    samples.set(series(m[1], Object.fromEntries(labels)), Number(m[3]));
  }
  return samples;
}

function series(name: string, labels: Record<string, string> = {}): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? name : `${name}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}

/** Every label value of every sample. */
function labelValues(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .flatMap((line) => [...line.matchAll(/[a-zA-Z_]\w*="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]));
}

describe('GET /metrics (Prometheus)', () => {
  let t: TestApp;
  let service: { client_id: string; client_secret?: string };
  let app: { client_id: string; client_secret?: string };
  /** Every secret the scenario used: none may appear in a scrape. */
  const secrets: string[] = [];
  let unknownId: string;
  let revokedTokenId: string;
  let scrape: request.Response;
  let samples: Map<string, number>;

  const value = (name: string, labels: Record<string, string> = {}) => samples.get(series(name, labels));
  const requests = (method: string, route: string, status: number) =>
    value('http_requests_total', { method, route, status: String(status) });

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_ENABLED: 'true' } });
    service = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
    app = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    await t.createUser('metrics-alice', PASSWORD);
    secrets.push(service.client_secret!, app.client_secret!, ADMIN_CLIENT_SECRET, PASSWORD);
    const password = { grant_type: 'password', username: 'metrics-alice', password: PASSWORD, scope: 'read' };

    // client_credentials: one access token.
    const cc = await t.token({ grant_type: 'client_credentials' }, basic(service));
    expect(cc.status).toBe(200);
    secrets.push(cc.body.access_token);
    // password: an access token and the first refresh token of a family.
    const first = await t.token(password, basic(app));
    expect(first.status).toBe(200);
    const rt1 = first.body.refresh_token as string;
    // refresh: rotation, a successor.
    const second = await t.token({ grant_type: 'refresh_token', refresh_token: rt1 }, basic(app));
    expect(second.status).toBe(200);
    const rt2 = second.body.refresh_token as string;
    // replay of the rotated token: reuse detected, the family revoked (replay_detected).
    const replay = await t.token({ grant_type: 'refresh_token', refresh_token: rt1 }, basic(app));
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // A second family, revoked by the admin API; revoking it again changes nothing and counts nothing.
    const third = await t.token(password, basic(app));
    expect(third.status).toBe(200);
    const rt3 = third.body.refresh_token as string;
    secrets.push(rt1, rt2, rt3, first.body.access_token, second.body.access_token, third.body.access_token);
    const admin = await t.adminToken(); // a second client_credentials grant
    secrets.push(admin);
    const bearer = `Bearer ${admin}`;
    // A query string carrying a secret: never a label.
    const list = await request(t.http)
      .get('/admin/refresh-tokens')
      .query({ client_id: app.client_id, status: 'active', cursor_hint: app.client_secret! })
      .set('Authorization', bearer);
    expect(list.status).toBe(400); // unknown query field: refused, still labelled by its route
    const active = await request(t.http)
      .get('/admin/refresh-tokens')
      .query({ client_id: app.client_id, status: 'active' })
      .set('Authorization', bearer);
    expect(active.status).toBe(200);
    expect(active.body.items).toHaveLength(1);
    revokedTokenId = active.body.items[0].id;
    for (let i = 0; i < 2; i++) {
      const revoked = await request(t.http)
        .delete(`/admin/refresh-tokens/${revokedTokenId}`)
        .set('Authorization', bearer);
      expect(revoked.status).toBe(204);
    }
    unknownId = randomUUID();
    const missing = await request(t.http).get(`/admin/refresh-tokens/${unknownId}`).set('Authorization', bearer);
    expect(missing.status).toBe(404);
    const nowhere = await request(t.http).get(`/no/such/route/${unknownId}`).query({ refresh_token: rt2 });
    expect(nowhere.status).toBe(404);

    scrape = await request(t.http).get('/metrics');
    samples = parseScrape(scrape.text);
  });
  afterAll(() => t.close());

  it('answers 200 in the Prometheus text format 0.0.4, not cached', () => {
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4(; charset=utf-8)?$/);
    expect(scrape.headers['cache-control']).toBe('no-store');
    expect(scrape.text).toContain('# TYPE http_requests_total counter\n');
    expect(scrape.text).toContain('# TYPE http_request_duration_seconds histogram\n');
    expect(scrape.text).toContain('# TYPE oauth_tokens_issued_total counter\n');
    expect(scrape.text).toContain('# TYPE db_pool_connections gauge\n');
  });

  it('counts the tokens issued by grant type and token type', () => {
    const issued = (grant_type: string, token_type: string) =>
      value('oauth_tokens_issued_total', { grant_type, token_type });
    expect({
      cc: issued('client_credentials', 'access_token'),
      ccRefresh: issued('client_credentials', 'refresh_token'),
      passwordAccess: issued('password', 'access_token'),
      passwordRefresh: issued('password', 'refresh_token'),
      refreshAccess: issued('refresh_token', 'access_token'),
      refreshRefresh: issued('refresh_token', 'refresh_token'),
      codeAccess: issued('authorization_code', 'access_token'),
      codeRefresh: issued('authorization_code', 'refresh_token'),
    }).toEqual({
      cc: 2,
      ccRefresh: undefined, // never a refresh token (RFC 6749 4.4.3)
      passwordAccess: 2,
      passwordRefresh: 2,
      refreshAccess: 1,
      refreshRefresh: 1,
      codeAccess: 0,
      codeRefresh: 0,
    });
  });

  it('counts rotations, reuse and revoked families (real revocations only)', () => {
    expect(value('oauth_refresh_tokens_rotated_total')).toBe(1);
    expect(value('oauth_refresh_token_reuse_detected_total')).toBe(1);
    expect(value('oauth_authorization_code_reuse_detected_total')).toBe(0);
    const revoked = Object.fromEntries(
      [...samples]
        .filter(([key]) => key.startsWith('oauth_refresh_token_families_revoked_total{'))
        .map(([key, n]) => [/reason="([^"]+)"/.exec(key)![1], n]),
    );
    expect(revoked).toEqual({
      replay_detected: 1,
      admin: 1, // the second DELETE of the same family revoked nothing
      client_request: 0,
      user_disabled: 0,
      user_deleted: 0,
      client_deleted: 0,
      password_changed: 0,
      code_replay: 0,
    });
  });

  it('counts HTTP requests by method, route template and status', () => {
    expect(requests('POST', '/oauth/token', 200)).toBe(5);
    expect(requests('POST', '/oauth/token', 400)).toBe(1);
    expect(requests('GET', '/admin/refresh-tokens', 200)).toBe(1);
    expect(requests('GET', '/admin/refresh-tokens', 400)).toBe(1);
    expect(requests('DELETE', '/admin/refresh-tokens/:id', 204)).toBe(2);
    expect(requests('GET', '/admin/refresh-tokens/:id', 404)).toBe(1);
    expect(requests('GET', 'unmatched', 404)).toBe(1);
    const total = [...samples]
      .filter(([key]) => key.startsWith('http_requests_total{'))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(total).toBe(12);
  });

  it('times them in a histogram with buckets from 1 ms to 2.5 s', () => {
    const labels = { method: 'POST', route: '/oauth/token', status: '200' };
    expect(value('http_request_duration_seconds_count', labels)).toBe(5);
    expect(value('http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    const buckets = [...samples.keys()]
      .filter((key) => key.startsWith('http_request_duration_seconds_bucket{') && key.includes('route="/oauth/token"'))
      .filter((key) => key.includes('status="200"'))
      .map((key) => /le="([^"]+)"/.exec(key)![1]);
    expect(buckets).toEqual([...HTTP_DURATION_BUCKETS.map(String), '+Inf']);
    expect(value('http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(5);
    expect(value('http_request_duration_seconds_bucket', { ...labels, le: '0.001' })).toBeLessThanOrEqual(5);
  });

  it('labels routes by template: no id, query string, token or secret in any label value', () => {
    const text = scrape.text;
    expect(text).not.toMatch(/asrt_|ascs_|asac_/);
    expect(text).not.toContain(unknownId);
    expect(text).not.toContain(revokedTokenId);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]).filter((r) => r !== 'unmatched'));
    expect([...routes].sort()).toEqual(['/admin/refresh-tokens', '/admin/refresh-tokens/:id', '/oauth/token']);
    for (const v of labelValues(text)) expect(v).toMatch(/^[\w./:+-]*$/);
  });

  it('reports the database connections', () => {
    const total = value('db_pool_connections', { state: 'total' })!;
    const idle = value('db_pool_connections', { state: 'idle' })!;
    const waiting = value('db_pool_connections', { state: 'waiting' })!;
    if (TEST_DIALECT === 'sqlite') {
      expect({ total, idle, waiting }).toEqual({ total: 1, idle: 1, waiting: 0 });
    } else {
      expect(total).toBeGreaterThanOrEqual(1);
      expect(total).toBeLessThanOrEqual(10); // DATABASE_POOL_SIZE
      expect(idle).toBeLessThanOrEqual(total);
      expect(waiting).toBeGreaterThanOrEqual(0);
    }
  });

  it('includes the default Node.js process metrics, without a prefix', () => {
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_start_time_seconds',
      'nodejs_heap_size_total_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(scrape.text).toContain(`# TYPE ${name} `);
    }
  });

  it('reports the event-loop delay of the last window as p50, p99 and max, in seconds', () => {
    expect(scrape.text).toContain('# TYPE eventloop_delay_seconds gauge');
    const [p50, p99, max] = ['p50', 'p99', 'max'].map((stat) => value('eventloop_delay_seconds', { stat })!);
    for (const v of [p50, p99, max]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
    }
    expect(p50).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
  });

  it('counts the scrape itself once it has been answered', async () => {
    const again = parseScrape((await request(t.http).get('/metrics')).text);
    expect(again.get(series('http_requests_total', { method: 'GET', route: '/metrics', status: '200' }))).toBe(1);
    expect(again.get(series('oauth_tokens_issued_total', { grant_type: 'password', token_type: 'access_token' }))).toBe(
      2,
    );
  });

  it('counts every revocation path by reason, bulk ones by the number of families they revoked', async () => {
    const bob = await t.createUser('metrics-bob', PASSWORD);
    const owner = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    const doomed = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    const login = { grant_type: 'password', username: 'metrics-bob', password: PASSWORD };
    const families: string[] = [];
    for (let i = 0; i < 4; i++) families.push((await t.token(login, basic(owner))).body.refresh_token);
    const alice = { grant_type: 'password', username: 'metrics-alice', password: PASSWORD };
    for (let i = 0; i < 2; i++) expect((await t.token(alice, basic(doomed))).status).toBe(200);
    const bearer = `Bearer ${await t.adminToken()}`;
    // RFC 7009, twice: the second finds the family revoked already.
    const revoke = () =>
      request(t.http)
        .post('/oauth/revoke')
        .type('form')
        .auth(owner.client_id, owner.client_secret!)
        .send({ token: families[0] });
    expect((await revoke()).status).toBe(200);
    expect((await revoke()).status).toBe(200);
    // Disabling bob revokes his three remaining families at once.
    const disable = await request(t.http).post(`/admin/users/${bob.id}/disable`).set('Authorization', bearer);
    expect(disable.status).toBe(200);
    // Nothing left for a bulk revocation by bob's subject; deleting the other client revokes its two families.
    const bulk = await request(t.http)
      .post('/admin/refresh-tokens/revoke')
      .set('Authorization', bearer)
      .send({ subject: bob.id });
    expect(bulk.body).toEqual({ revoked: 0 });
    const deleted = await request(t.http).delete(`/admin/clients/${doomed.client_id}`).set('Authorization', bearer);
    expect(deleted.status).toBe(204);
    const after = parseScrape((await request(t.http).get('/metrics')).text);
    const revoked = (reason: string) => after.get(series('oauth_refresh_token_families_revoked_total', { reason }));
    expect({
      client_request: revoked('client_request'),
      user_disabled: revoked('user_disabled'),
      admin: revoked('admin'),
      client_deleted: revoked('client_deleted'),
    }).toEqual({ client_request: 1, user_disabled: 3, admin: 1, client_deleted: 2 });
  });

  it('counts an authorization code presented twice, and labels the authorization pages by route', async () => {
    const cb = 'https://app.example/cb';
    const spa = await t.createClient({
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read offline_access',
      token_endpoint_auth_method: 'none',
      redirect_uris: [cb],
    });
    const pkce = pkcePair();
    const state = `state-${randomUUID()}`;
    const location = await new Browser(t.http).authorize(
      authorizeUrl({
        response_type: 'code',
        client_id: spa.client_id,
        redirect_uri: cb,
        scope: 'read offline_access',
        state,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
      'metrics-alice',
      PASSWORD,
    );
    const code = location.searchParams.get('code')!;
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: cb,
      client_id: spa.client_id,
      code_verifier: pkce.verifier,
    };
    const first = await t.token(form);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toMatch(/^asrt_/);
    const again = await t.token(form);
    expect(again.status).toBe(400);
    const text = (await request(t.http).get('/metrics')).text;
    const after = parseScrape(text);
    expect({
      codeReuse: after.get('oauth_authorization_code_reuse_detected_total'),
      familiesRevoked: after.get(series('oauth_refresh_token_families_revoked_total', { reason: 'code_replay' })),
      access: after.get(
        series('oauth_tokens_issued_total', { grant_type: 'authorization_code', token_type: 'access_token' }),
      ),
      refresh: after.get(
        series('oauth_tokens_issued_total', { grant_type: 'authorization_code', token_type: 'refresh_token' }),
      ),
    }).toEqual({ codeReuse: 1, familiesRevoked: 1, access: 1, refresh: 1 });
    for (const secret of [
      code,
      state,
      pkce.verifier,
      pkce.challenge,
      first.body.access_token,
      first.body.refresh_token,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/asrt_|ascs_|asac_/);
    const routes = [...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]);
    expect(routes).toContain('/oauth/authorize');
    for (const route of routes) expect(route).toMatch(/^(unmatched|\/[\w/:.-]*)$/);
  });

  // Last: a second app in the same process, started and closed while the first one still runs.
  it('keeps one registry per app: a second app in the same process starts from zero', async () => {
    const other = await startTestApp({ env: { METRICS_ENABLED: 'true' } });
    try {
      const res = await request(other.http).get('/metrics');
      expect(res.status).toBe(200);
      const fresh = parseScrape(res.text);
      expect(fresh.get('oauth_refresh_tokens_rotated_total')).toBe(0);
      expect(fresh.get(series('http_requests_total', { method: 'POST', route: '/oauth/token', status: '200' }))).toBe(
        undefined,
      );
      // ... and the first app's counters are untouched.
      const first = parseScrape((await request(t.http).get('/metrics')).text);
      expect(first.get('oauth_refresh_tokens_rotated_total')).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('METRICS_ENABLED', () => {
  afterAll(() => {
    // startTestApp writes its env into process.env: leave the default for whatever runs next.
    delete process.env.METRICS_ENABLED;
  });

  it('false: GET /metrics answers 404 like a route that does not exist', async () => {
    const t = await startTestApp({ env: { METRICS_ENABLED: 'false' } });
    try {
      const res = await request(t.http).get('/metrics');
      expect(res.status).toBe(404);
      const unknown = await request(t.http).get('/no-such-route');
      expect(res.body).toEqual({ ...unknown.body, message: 'Cannot GET /metrics' });
      expect(res.text).not.toContain('http_requests_total');
    } finally {
      await t.close();
    }
  });

  it('accepts true and false only, and defaults to true', () => {
    expect(validateEnvironment({}).METRICS_ENABLED).toBe('true');
    expect(validateEnvironment({ METRICS_ENABLED: 'false' }).METRICS_ENABLED).toBe('false');
    expect(() => validateEnvironment({ METRICS_ENABLED: 'yes' })).toThrow(/METRICS_ENABLED/);
  });
});
