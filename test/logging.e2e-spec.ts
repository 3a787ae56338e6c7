import { Writable } from 'node:stream';
import request from 'supertest';
import { JsonLogger } from '../apps/authorization-server/src/logging/json-logger.js';
import { Browser, authorizeUrl, formFields, pkcePair } from './support/authorization-flow.js';
import { type TestApp, ADMIN_CLIENT_SECRET, basic, startTestApp } from './support/test-app.js';

/** Every line the server logs, at the most verbose level. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

describe('logs: structured JSON with request ids, and never a secret', () => {
  const capture = new Capture();
  const secrets = new Set<string>([ADMIN_CLIENT_SECRET]);
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ logger: new JsonLogger('verbose', capture) });
  });
  afterAll(() => t.close());

  const keep = (...values: (string | undefined)[]) => values.forEach((v) => v && secrets.add(v));

  it('runs every flow that handles a secret', async () => {
    const pw = 'log-user-password-1';
    keep(pw, 'wrong-password-1');
    await t.createUser('logan', pw);
    const app = await t.createClient({
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'read',
      introspection_allowed: true,
    });
    keep(app.client_secret);
    const cc = await t.token({ grant_type: 'client_credentials' }, basic(app));
    const first = await t.token({ grant_type: 'password', username: 'logan', password: pw }, basic(app));
    await t.token({ grant_type: 'password', username: 'logan', password: 'wrong-password-1' }, basic(app));
    const second = await t.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }, basic(app));
    await t.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token }, basic(app));
    keep(
      cc.body.access_token,
      first.body.access_token,
      first.body.refresh_token,
      second.body.access_token,
      second.body.refresh_token,
    );
    await request(t.http)
      .post('/oauth/introspect')
      .type('form')
      .auth(app.client_id, app.client_secret!)
      .send({ token: second.body.access_token });
    await request(t.http)
      .post('/oauth/revoke')
      .type('form')
      .auth(app.client_id, app.client_secret!)
      .send({ token: second.body.refresh_token });

    const admin = await t.adminToken();
    keep(admin);
    const created = await request(t.http)
      .post('/admin/clients')
      .set('authorization', `Bearer ${admin}`)
      .send({
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['https://app.example/cb'],
      });
    const rotatedFor = await request(t.http)
      .post('/admin/clients')
      .set('authorization', `Bearer ${admin}`)
      .send({ grant_types: ['client_credentials'] });
    const rotated = await request(t.http)
      .post(`/admin/clients/${rotatedFor.body.client_id}/secret`)
      .set('authorization', `Bearer ${admin}`);
    keep(rotatedFor.body.client_secret, rotated.body.client_secret);
    const user = await request(t.http)
      .post('/admin/users')
      .set('authorization', `Bearer ${admin}`)
      .send({ username: 'mia', password: 'mia-password-1' });
    await request(t.http)
      .put(`/admin/users/${user.body.id}/password`)
      .set('authorization', `Bearer ${admin}`)
      .send({ password: 'mia-password-2' });
    keep('mia-password-1', 'mia-password-2');

    const pkce = pkcePair();
    const browser = new Browser(t.http);
    const path = authorizeUrl({
      response_type: 'code',
      client_id: created.body.client_id,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const login = await browser.open(path);
    keep(formFields(login.text).csrf_token);
    const signedIn = await browser.signIn(login.text, 'mia', 'mia-password-2');
    const cookies = (signedIn.headers['set-cookie'] as unknown as string[]) ?? [];
    keep(...cookies.map((c) => c.split(';')[0].split('=')[1]));
    const consent = await browser.open(signedIn.headers.location);
    const back = await browser.decide(consent.text, 'allow');
    const code = new URL(back.headers.location).searchParams.get('code')!;
    const exchanged = await t.token({
      grant_type: 'authorization_code',
      code,
      client_id: created.body.client_id,
      code_verifier: pkce.verifier,
    });
    await t.token({
      grant_type: 'authorization_code',
      code,
      client_id: created.body.client_id,
      code_verifier: pkce.verifier,
    });
    keep(code, pkce.verifier, exchanged.body.access_token, exchanged.body.refresh_token);
    expect(exchanged.status).toBe(200);
    expect(secrets.size).toBeGreaterThanOrEqual(18);
  });

  it('logged every request as one JSON line with a request id, route template and status', () => {
    const entries = capture.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((e) => e.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(18);
    for (const r of requests)
      expect(r).toMatchObject({
        level: 'info',
        req_id: expect.any(String),
        method: expect.any(String),
        status: expect.any(Number),
      });
    expect(requests.map((r) => r.route)).toEqual(
      expect.arrayContaining(['/oauth/token', '/admin/clients/:client_id/secret', '/oauth/authorize']),
    );
    expect(entries.some((e) => e.msg === 'request' && String(e.route).includes('?'))).toBe(false);
  });

  it('never logged any token, secret, code, password, cookie or Authorization header', () => {
    const text = capture.lines.join('\n');
    const leaked = [...secrets].filter((s) => text.includes(s));
    expect(leaked).toEqual([]);
    expect(text).not.toMatch(/asrt_|ascs_|asac_|Bearer |Basic /);
  });

  it('echoes a sane X-Request-Id from the proxy and replaces a malformed one', async () => {
    const kept = await request(t.http).get('/health/live').set('x-request-id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(t.http).get('/health/live').set('x-request-id', 'bad id\twith junk');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
