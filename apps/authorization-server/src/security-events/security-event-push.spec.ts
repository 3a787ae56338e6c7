import { lookup } from 'node:dns/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { isPublicAddress } from '#oauth';
import { type PushPolicy, endpointDecision, pushSecurityEvent } from './security-event-push.js';

const STRICT: PushPolicy = { timeoutMs: 1000, allowHttp: false, allowPrivate: false };
const NOT_PUBLIC =
  /^security_event_endpoint is on a non-public address \(allowed only with SECURITY_EVENTS_ALLOW_PRIVATE=true\)/;
const RESOLVES =
  /^security_event_endpoint resolves to a non-public address \(allowed only with SECURITY_EVENTS_ALLOW_PRIVATE=true\)/;

describe(endpointDecision.name, () => {
  it('lets an https endpoint on a name through, its DNS answers to be checked', () => {
    expect(endpointDecision('https://receiver.example/events', STRICT)).toEqual({ refusal: null, publicOnly: true });
    expect(endpointDecision('https://8.8.8.8/events', STRICT)).toEqual({ refusal: null, publicOnly: true });
  });

  it.each([
    'https://10.0.0.1/',
    'https://127.0.0.1:8443/events',
    'https://localhost/events',
    'https://api.localhost/events',
    'https://[::1]/events',
    'https://[fd00::1]/events',
    'https://169.254.169.254/latest/meta-data',
    'https://192.168.1.10/events',
    'https://[::ffff:10.0.0.1]/events',
  ])('refuses %s without SECURITY_EVENTS_ALLOW_PRIVATE', (endpoint) => {
    expect(endpointDecision(endpoint, STRICT)).toEqual({ refusal: expect.stringMatching(NOT_PUBLIC) });
    expect(endpointDecision(endpoint, { ...STRICT, allowHttp: true })).toEqual({
      refusal: expect.stringMatching(NOT_PUBLIC),
    });
  });

  it('lets them through with SECURITY_EVENTS_ALLOW_PRIVATE, without a DNS check', () => {
    const policy = { ...STRICT, allowPrivate: true };
    expect(endpointDecision('https://10.0.0.1/', policy)).toEqual({ refusal: null, publicOnly: false });
    expect(endpointDecision('https://localhost/events', policy)).toEqual({ refusal: null, publicOnly: false });
  });

  it('lets http through only to a loopback host with SECURITY_EVENTS_ALLOW_HTTP, as registration does', () => {
    const http = { ...STRICT, allowHttp: true };
    for (const endpoint of ['http://127.0.0.1:9/events', 'http://[::1]/events', 'http://localhost/events'])
      expect(endpointDecision(endpoint, http)).toEqual({ refusal: null, publicOnly: false });
    const mustUseHttps = { refusal: expect.stringMatching(/^security_event_endpoint must use https/) };
    expect(endpointDecision('http://127.0.0.1:9/events', STRICT)).toEqual(mustUseHttps);
    expect(endpointDecision('http://10.0.0.1/events', http)).toEqual(mustUseHttps);
    expect(endpointDecision('http://10.0.0.1/events', { ...STRICT, allowPrivate: true })).toEqual(mustUseHttps);
    expect(
      endpointDecision('http://receiver.example/events', { allowHttp: true, allowPrivate: true, timeoutMs: 1 }),
    ).toEqual(mustUseHttps);
  });
});

describe(pushSecurityEvent.name, () => {
  let server: Server;
  let port: number;
  let connections = 0;
  let statuses: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = statuses.shift() ?? 202;
        res.setHeader('location', 'http://127.0.0.1:9/elsewhere');
        res.end('x'.repeat(64 * 1024));
      });
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections = 0;
    statuses = [];
  });

  const LOOPBACK_HTTP: PushPolicy = { timeoutMs: 1000, allowHttp: true, allowPrivate: false };

  it('records the status of a loopback http receiver allowed by SECURITY_EVENTS_ALLOW_HTTP', async () => {
    const result = await pushSecurityEvent(`http://127.0.0.1:${port}/events`, 'a.b.c', LOOPBACK_HTTP, 1000);
    expect(result).toEqual({
      attempt: { attempted_at: 1000, status_code: 202, error: null, duration_ms: expect.any(Number) },
      refused: false,
    });
  });

  it('does not follow a redirect: the 3xx is the attempt', async () => {
    statuses = [302];
    const result = await pushSecurityEvent(`http://127.0.0.1:${port}/events`, 'a.b.c', LOOPBACK_HTTP, 0);
    expect(result.attempt.status_code).toBe(302);
    expect(connections).toBe(1);
  });

  it('refuses an https endpoint on a loopback literal or localhost without connecting', async () => {
    for (const endpoint of [`https://127.0.0.1:${port}/events`, `https://localhost:${port}/events`]) {
      const result = await pushSecurityEvent(endpoint, 'a.b.c', LOOPBACK_HTTP, 5);
      expect(result).toEqual({
        attempt: { attempted_at: 5, status_code: null, error: expect.stringMatching(NOT_PUBLIC), duration_ms: 0 },
        refused: true,
      });
    }
    expect(connections).toBe(0);
  });

  it('refuses an https endpoint on a name that resolves to a non-public address, without connecting', async () => {
    // This machine's own name resolves to one of its own addresses: loopback or private on a test machine.
    const name = hostname();
    expect(isPublicAddress((await lookup(name)).address)).toBe(false);
    const result = await pushSecurityEvent(`https://${name}:${port}/events`, 'a.b.c', STRICT, 5);
    expect(result).toEqual({
      attempt: {
        attempted_at: 5,
        status_code: null,
        error: expect.stringMatching(RESOLVES),
        duration_ms: expect.any(Number),
      },
      refused: true,
    });
    expect(connections).toBe(0);
  });

  it('connects to it with SECURITY_EVENTS_ALLOW_PRIVATE (here a TLS failure against a plain receiver)', async () => {
    const policy = { ...STRICT, allowPrivate: true };
    const result = await pushSecurityEvent(`https://127.0.0.1:${port}/events`, 'a.b.c', policy, 5);
    expect(result.refused).toBe(false);
    expect(result.attempt.error).toMatch(/^network error/);
    expect(connections).toBe(1);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/events`;
      const result = await pushSecurityEvent(url, 'a.b.c', { ...LOOPBACK_HTTP, timeoutMs: 100 }, 0);
      expect(result.attempt).toMatchObject({ status_code: null, error: 'no answer within 100 ms' });
      expect(result.refused).toBe(false);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('records a refused connection as a network error, to be retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/events`;
    await new Promise((resolve) => closed.close(resolve));
    const result = await pushSecurityEvent(url, 'a.b.c', LOOPBACK_HTTP, 0);
    expect(result).toMatchObject({ attempt: { error: 'network error (ECONNREFUSED)' }, refused: false });
  });
});
