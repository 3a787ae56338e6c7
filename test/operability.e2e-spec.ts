import request from 'supertest';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

describe('operability: health, security headers, CORS, trust proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { CORS_ORIGINS: 'https://spa.example, https://other.example', TRUST_PROXY: 'loopback' },
    });
  });
  afterAll(() => t.close());

  it('answers liveness', async () => {
    const res = await request(t.http).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('answers readiness with the database up', async () => {
    const res = await request(t.http).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('sends security headers on API answers', async () => {
    const res = await request(t.http).get('/.well-known/jwks.json');
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('allows CORS only for the listed origins', async () => {
    const allowed = await request(t.http)
      .options('/oauth/token')
      .set('origin', 'https://spa.example')
      .set('access-control-request-method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://spa.example');
    const refused = await request(t.http)
      .options('/oauth/token')
      .set('origin', 'https://evil.example')
      .set('access-control-request-method', 'POST');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes the client address from X-Forwarded-For only from a trusted proxy (here: loopback)', async () => {
    // The sign-in throttle counts per address: with a trusted proxy, two forwarded addresses are two counters.
    const spa = await t.createClient({
      grant_types: ['authorization_code'],
      scope: 'read',
      redirect_uris: ['https://app.example/cb'],
      require_pkce: false,
      first_party: true,
    });
    const { Browser, authorizeUrl } = await import('./support/authorization-flow.js');
    const browser = new Browser(t.http);
    const login = await browser.open(authorizeUrl({ response_type: 'code', client_id: spa.client_id }));
    const fail = (address: string, i: number) =>
      browser.agent
        .post('/oauth/authorize/login')
        .type('form')
        .redirects(0)
        .set('x-forwarded-for', address)
        .send({ ...formFieldsOf(login.text), username: `nobody-${address}-${i}`, password: 'whatever-pass' });
    for (let i = 0; i < 20; i++) expect((await fail('203.0.113.7', i)).status).toBe(401);
    expect((await fail('203.0.113.7', 99)).status).toBe(429);
    expect((await fail('198.51.100.9', 0)).status).toBe(401);
  });

  it('has no CORS without CORS_ORIGINS', async () => {
    const other = await startTestApp({ env: { CORS_ORIGINS: '', TRUST_PROXY: '' } });
    try {
      const res = await request(other.http)
        .options('/oauth/token')
        .set('origin', 'https://spa.example')
        .set('access-control-request-method', 'POST');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const cc = await other.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      expect((await other.token({ grant_type: 'client_credentials' }, basic(cc))).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

function formFieldsOf(html: string): Record<string, string> {
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`)
      .exec(html)![1]
      .replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  return { csrf_token: field('csrf_token'), authorization_request: field('authorization_request') };
}
