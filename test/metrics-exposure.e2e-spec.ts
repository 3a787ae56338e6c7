/**
 * GET /metrics is answered on exactly one path and, with METRICS_PORT, on one port only: the nginx rule
 * that keeps it private must not be bypassed with /Metrics, /METRICS or /metrics/.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import request from 'supertest';
import { parse } from 'yaml';
import { MetricsServer } from '../apps/authorization-server/src/metrics/metrics-server.js';
import { type TestApp, startTestApp } from './support/test-app.js';

/** Every spelling Express routes to /metrics unless told otherwise. */
const OTHER_SPELLINGS = ['/metrics/', '/Metrics', '/METRICS', '/mEtRiCs', '/Metrics/', '/METRICS/'];
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

afterAll(() => {
  // startTestApp writes its env into process.env: leave the defaults for whatever runs next.
  for (const name of ['METRICS_PORT', 'METRICS_HOST', 'METRICS_ENABLED']) delete process.env[name];
});

/** 404 exactly like a route that does not exist, and no metric in the body. */
async function expectNotFound(base: string, path: string, method: 'get' | 'head' = 'get'): Promise<void> {
  const res = await request(base)[method](path);
  const unknown = await request(base)[method]('/no-such-route');
  expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
  if (method === 'get') {
    expect(res.body).toEqual({ ...unknown.body, message: `Cannot GET ${path}` });
    expect(res.text).not.toContain('http_requests_total');
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('metrics on the main port (METRICS_PORT unset)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_ENABLED: 'true', METRICS_PORT: '' } });
  });
  afterAll(() => t.close());

  it('serves GET /metrics, with or without a query string', async () => {
    for (const path of ['/metrics', '/metrics?name=x']) {
      const res = await request(t.http).get(path);
      expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({
        path,
        status: 200,
        type: PROMETHEUS_TEXT,
      });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('http_requests_total');
    }
  });

  it.each(OTHER_SPELLINGS)('answers 404 for %s, as for a route that does not exist', async (path) => {
    await expectNotFound(t.http, path);
    await expectNotFound(t.http, path, 'head');
  });

  it('starts no metrics server of its own', () => {
    expect(t.app.get(MetricsServer).address).toBeUndefined();
  });
});

describe('METRICS_PORT: metrics on a port of their own', () => {
  let t: TestApp;
  let metrics: string;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_ENABLED: 'true', METRICS_PORT: '0', METRICS_HOST: '' } });
    const address = t.app.get(MetricsServer).address!;
    port = address.port;
    metrics = `http://127.0.0.1:${port}`;
  });

  it('listens on 127.0.0.1 unless METRICS_HOST says otherwise', () => {
    expect(t.app.get(MetricsServer).address).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
  });

  it('answers 404 on the main port for /metrics in every spelling', async () => {
    for (const path of ['/metrics', ...OTHER_SPELLINGS]) {
      await expectNotFound(t.http, path);
      await expectNotFound(t.http, path, 'head');
    }
  });

  it("serves the main port's metrics on METRICS_PORT", async () => {
    await request(t.http).get('/health/live').expect(200);
    const res = await request(metrics).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(PROMETHEUS_TEXT);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('http_requests_total{method="GET",route="/health/live",status="200"} 1');
    expect(res.text).toContain('oauth_tokens_issued_total');
    expect((await request(metrics).get('/metrics?x=1')).status).toBe(200);
    expect((await request(metrics).head('/metrics')).status).toBe(200);
  });

  it('serves nothing else on METRICS_PORT: other paths, spellings and methods are 404', async () => {
    for (const path of [...OTHER_SPELLINGS, '/', '/health/live', '/oauth/token', '/docs']) {
      const res = await request(metrics).get(path);
      expect({ path, status: res.status, text: res.text }).toEqual({ path, status: 404, text: 'Not Found\n' });
    }
    expect((await request(metrics).post('/metrics')).status).toBe(404);
  });

  it('closes METRICS_PORT with the app', async () => {
    expect(await refused(port)).toBe(false);
    await t.close();
    expect(await refused(port)).toBe(true);
  });

  it('opens no port when METRICS_ENABLED=false, and /metrics stays 404 on the main port', async () => {
    const off = await startTestApp({ env: { METRICS_ENABLED: 'false', METRICS_PORT: '0' } });
    try {
      expect(off.app.get(MetricsServer).address).toBeUndefined();
      await expectNotFound(off.http, '/metrics');
    } finally {
      await off.close();
    }
  });
});

describe('the bundled deployment keeps /metrics private', () => {
  const nginx = readFileSync('deploy/nginx.conf', 'utf8').replace(/#[^\n]*/g, '');

  it('denies /metrics in nginx in every case and trailing-slash spelling', () => {
    const denials = [...nginx.matchAll(/location\s+~\*\s+(\S+)\s*\{\s*return 404;\s*\}/g)].map(
      (m) => new RegExp(m[1]!, 'i'),
    );
    const denied = (path: string) => denials.some((r) => r.test(path));
    for (const path of ['/metrics', ...OTHER_SPELLINGS, '/metrics/x'])
      expect({ path, denied: denied(path) }).toEqual({ path, denied: true });
    for (const path of ['/', '/oauth/token', '/docs', '/api/profile', '/health/ready'])
      expect({ path, denied: denied(path) }).toEqual({ path, denied: false });
    // A `^~` prefix location would win over the regex and forward /metrics after all.
    expect(nginx).not.toMatch(/location\s+\^~/);
  });

  it("moves the instances' metrics to METRICS_PORT, unpublished", () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; ports?: string[]; expose?: string[] }>;
    };
    for (const name of ['authorization-server-1', 'authorization-server-2']) {
      const service = compose.services[name]!;
      expect(service.environment?.METRICS_PORT).toMatch(/^\d+$/);
      expect(service.environment?.METRICS_PORT).not.toBe(service.environment?.PORT);
      expect(service.ports).toBeUndefined();
    }
  });
});
