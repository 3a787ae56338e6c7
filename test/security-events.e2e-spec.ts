import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { HousekeepingService } from '../apps/authorization-server/src/housekeeping/housekeeping.service.js';
import { SecurityEventWorker } from '../apps/authorization-server/src/security-events/security-event-worker.service.js';
import { UUID, expectAdminError } from './support/admin-api.js';
import { Browser, authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { TEST_DIALECT, createTestDatabase } from './support/test-database.js';
import { ISSUER, type TestApp, basic, startTestApp, startTwoInstances } from './support/test-app.js';

// Short test settings instead of sleeps: retries after 50, 100, 200 ms; the fourth attempt is the last.
const SETTINGS = {
  SECURITY_EVENTS_ALLOW_HTTP: 'true',
  SECURITY_EVENTS_ALLOW_PRIVATE: 'false',
  SECURITY_EVENTS_POLL_INTERVAL_MS: '50',
  SECURITY_EVENTS_BACKOFF_BASE_MS: '50',
  SECURITY_EVENTS_MAX_ATTEMPTS: '4',
  SECURITY_EVENTS_TIMEOUT_MS: '2000',
  REDIS_URL: 'redis://127.0.0.1:6379',
  LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
};
const EVENTS = `${ISSUER}/security-events`;
const NOT_PUBLIC =
  'security_event_endpoint is on a non-public address (allowed only with SECURITY_EVENTS_ALLOW_PRIVATE=true); nothing sent';
const RESOLVES_NOT_PUBLIC =
  'security_event_endpoint resolves to a non-public address (allowed only with SECURITY_EVENTS_ALLOW_PRIVATE=true); nothing sent';
const PASSWORD = 'correct-horse-battery';

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}

/** An RFC 8935 receiver: records every POST and answers each path's scripted statuses, then 202. */
class Receiver {
  readonly received: Received[] = [];
  /** TCP connections accepted, whatever came over them (a TLS handshake too). */
  connections = 0;
  private readonly scripts = new Map<string, number[]>();
  private server?: Server;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString() });
        const script = this.scripts.get(path);
        res.statusCode = script?.shift() ?? 202;
        res.end();
      });
    });
    this.server.on('connection', () => (this.connections += 1));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  /** The statuses the next POSTs to `path` get, in order (202 afterwards). */
  script(path: string, statuses: number[]): void {
    this.scripts.set(path, [...statuses]);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The SET verified with the server's JWKS as published: typ, iss and aud checked by jose. */
async function verifySet(app: TestApp, set: string, audience: string) {
  const jwks = (await request(app.http).get('/.well-known/jwks.json')).body as JSONWebKeySet;
  const { payload, protectedHeader } = await jwtVerify(set, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience,
    typ: 'secevent+jwt',
  });
  return { payload, protectedHeader };
}

describe('security events (RFC 8417 SETs pushed per RFC 8935)', () => {
  let a: TestApp;
  let b: TestApp;
  let receiver: Receiver;
  let admin: string;
  let n = 0;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    [a, b] = await startTwoInstances(SETTINGS);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    admin = `Bearer ${await a.adminToken()}`;
  });

  /** A client pushing to its own receiver path (or none), and a user with a grant at it. */
  async function watchedClient(endpoint: boolean | string = true) {
    n += 1;
    const path = `/events/${n}`;
    const client = await a.createClient({
      client_id: `se-client-${n}`,
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'read',
      ...(endpoint ? { security_event_endpoint: typeof endpoint === 'string' ? endpoint : receiver.url(path) } : {}),
    });
    return { client, path };
  }

  async function grant(client: { client_id: string; client_secret?: string }, username: string): Promise<string> {
    const res = await a.token({ grant_type: 'password', username, password: PASSWORD }, basic(client));
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  }

  async function newUser(): Promise<{ id: string; username: string }> {
    n += 1;
    const username = `se-user-${n}`;
    const user = await a.createUser(username, PASSWORD);
    return { id: user.id, username };
  }

  const listEvents = (query: Record<string, string>) =>
    request(a.http).get('/admin/security-events').query(query).set('authorization', admin);

  it('pushes the reuse event when a rotated refresh token is replayed, as a SET the JWKS verifies', async () => {
    const { client, path } = await watchedClient();
    const user = await newUser();
    const first = await grant(client, user.username);
    const rotated = await a.token({ grant_type: 'refresh_token', refresh_token: first }, basic(client));
    expect(rotated.status).toBe(200);
    const replay = await a.token({ grant_type: 'refresh_token', refresh_token: first }, basic(client));
    expect(replay.body.error).toBe('invalid_grant');

    const [push] = await waitFor('the reuse SET', () => (receiver.at(path).length > 0 ? receiver.at(path) : undefined));
    expect(push.contentType).toBe('application/secevent+jwt');
    expect(decodeProtectedHeader(push.body).typ).toBe('secevent+jwt');
    const { payload } = await verifySet(a, push.body, client.client_id);
    const listed = (await listEvents({ client_id: client.client_id })).body.items;
    expect(listed).toHaveLength(1);
    expect(payload).toEqual({
      iss: ISSUER,
      aud: client.client_id,
      iat: expect.any(Number),
      toe: expect.any(Number),
      jti: listed[0].id,
      txn: listed[0].txn,
      events: {
        [`${EVENTS}/refresh-token-reuse-detected`]: {
          subject: user.id,
          family_ids: [listed[0].family_ids[0]],
          reason: 'replay_detected',
        },
      },
    });
    expect(push.body).not.toContain(first);
    await waitFor(
      'delivered',
      async () => (await listEvents({ client_id: client.client_id })).body.items[0].status === 'delivered',
    );
    const event = (await request(a.http).get(`/admin/security-events/${listed[0].id}`).set('authorization', admin))
      .body;
    expect(event).toMatchObject({
      type: 'refresh_token_reuse_detected',
      event_uri: `${EVENTS}/refresh-token-reuse-detected`,
      status: 'delivered',
      attempts: 1,
      attempt_log: [
        { status_code: 202, error: null, attempted_at: expect.any(String), duration_ms: expect.any(Number) },
      ],
    });
  });

  it('pushes the reuse event when an authorization code is presented again (reason code_replay)', async () => {
    n += 1;
    const path = `/events/${n}`;
    const redirect = 'https://app.example/cb';
    const client = await a.createClient({
      client_id: `se-code-client-${n}`,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [redirect],
      scope: 'read',
      security_event_endpoint: receiver.url(path),
    });
    const user = await newUser();
    const pkce = pkcePair();
    const location = await new Browser(a.http).authorize(
      authorizeUrl({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirect,
        scope: 'read',
        state: 'se-state',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
      user.username,
      PASSWORD,
    );
    const exchange = () =>
      a.token(
        {
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: redirect,
          code_verifier: pkce.verifier,
        },
        basic(client),
      );
    const tokens = await exchange();
    expect(tokens.status).toBe(200);
    const sid = JSON.parse(Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString()).sid;
    const replay = await exchange();
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the authorization code was already used; the tokens issued from it are revoked',
    });

    const push = await waitFor('the code replay SET', () => receiver.at(path)[0]);
    expect(push.contentType).toBe('application/secevent+jwt');
    const { payload } = await verifySet(a, push.body, client.client_id);
    const [listed] = (await listEvents({ client_id: client.client_id })).body.items;
    expect(listed).toMatchObject({ type: 'refresh_token_reuse_detected', reason: 'code_replay', family_ids: [sid] });
    expect(payload).toEqual({
      iss: ISSUER,
      aud: client.client_id,
      iat: expect.any(Number),
      toe: expect.any(Number),
      jti: listed.id,
      txn: listed.txn,
      events: {
        [`${EVENTS}/refresh-token-reuse-detected`]: { subject: user.id, family_ids: [sid], reason: 'code_replay' },
      },
    });
    expect(push.body).not.toContain(location.searchParams.get('code')!);
    expect(push.body).not.toContain(tokens.body.refresh_token);
  });

  it('writes no event for a client without an endpoint', async () => {
    const { client } = await watchedClient(false);
    const user = await newUser();
    const first = await grant(client, user.username);
    await a.token({ grant_type: 'refresh_token', refresh_token: first }, basic(client));
    await a.token({ grant_type: 'refresh_token', refresh_token: first }, basic(client));
    await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);
    expect((await listEvents({ client_id: client.client_id })).body.items).toEqual([]);
  });

  it('pushes the admin revocation event for one family and for a bulk revocation', async () => {
    const { client, path } = await watchedClient();
    const user = await newUser();
    await grant(client, user.username);
    const tokens = (
      await request(a.http)
        .get('/admin/refresh-tokens')
        .query({ client_id: client.client_id })
        .set('authorization', admin)
    ).body.items;
    await request(a.http).delete(`/admin/refresh-tokens/${tokens[0].id}`).set('authorization', admin).expect(204);
    await grant(client, user.username);
    await grant(client, user.username);
    await request(a.http)
      .post('/admin/refresh-tokens/revoke')
      .set('authorization', admin)
      .send({ client_id: client.client_id })
      .expect(200);

    const pushes = await waitFor('two SETs', () => (receiver.at(path).length >= 2 ? receiver.at(path) : undefined));
    const events = await Promise.all(pushes.map(async (p) => (await verifySet(a, p.body, client.client_id)).payload));
    const payloads = events.map(
      (e) => (e.events as Record<string, { family_ids: string[] }>)[`${EVENTS}/refresh-token-family-revoked`],
    );
    expect(payloads.map((p) => p.family_ids.length)).toEqual([1, 2]);
    expect(payloads.every((p) => (p as unknown as { reason: string }).reason === 'admin')).toBe(true);
  });

  it('pushes one event per client holding families of a user disabled, given a new password or deleted', async () => {
    const one = await watchedClient();
    const two = await watchedClient();
    const none = await watchedClient(false);
    for (const [action, uri] of [
      ['disable', 'user-disabled'],
      ['password', 'user-password-changed'],
      ['delete', 'user-deleted'],
    ] as const) {
      const user = await newUser();
      for (const c of [one.client, two.client, none.client]) await grant(c, user.username);
      const before = [one, two].map((c) => receiver.at(c.path).length);
      if (action === 'disable')
        await request(a.http).post(`/admin/users/${user.id}/disable`).set('authorization', admin).expect(200);
      if (action === 'password')
        await request(a.http)
          .put(`/admin/users/${user.id}/password`)
          .set('authorization', admin)
          .send({ password: 'another-horse-battery' })
          .expect(204);
      if (action === 'delete')
        await request(a.http).delete(`/admin/users/${user.id}`).set('authorization', admin).expect(204);

      const sets = await Promise.all(
        [one, two].map(async (c, i) => {
          const push = await waitFor(`${action} at ${c.path}`, () => receiver.at(c.path)[before[i]]);
          return (await verifySet(a, push.body, c.client.client_id)).payload;
        }),
      );
      for (const set of sets) expect(Object.keys(set.events as object)).toEqual([`${EVENTS}/${uri}`]);
      expect(sets[0].txn).toBe(sets[1].txn);
      expect(sets[0].jti).not.toBe(sets[1].jti);
      expect((await listEvents({ client_id: none.client.client_id })).body.items).toEqual([]);
    }
  });

  it('pushes the secret rotation event', async () => {
    const { client, path } = await watchedClient();
    await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);
    const push = await waitFor('the rotation SET', () => receiver.at(path)[0]);
    const { payload } = await verifySet(a, push.body, client.client_id);
    expect(payload.events).toEqual({ [`${EVENTS}/client-secret-rotated`]: { reason: 'secret_rotated' } });
  });

  it('counts the events queued, delivered and failed per type, starting at 0', async () => {
    const value = (text: string, name: string, type: string): number =>
      Number(new RegExp(`^${name}\\{type="${type}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    const [ma, mb] = await Promise.all([a, b].map(async (app) => (await request(app.http).get('/metrics')).text));
    expect(value(ma, 'security_events_queued_total', 'client_secret_rotated')).toBeGreaterThan(0);
    expect(
      value(ma, 'security_events_delivered_total', 'client_secret_rotated') +
        value(mb, 'security_events_delivered_total', 'client_secret_rotated'),
    ).toBeGreaterThan(0);
    expect(value(ma, 'security_events_failed_total', 'user_deleted')).toBe(0);
  });

  it('retries a receiver that answers 500 three times and records each attempt; the fourth gets it', async () => {
    const { client, path } = await watchedClient();
    receiver.script(path, [500, 500, 500]);
    await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);

    const id = (await listEvents({ client_id: client.client_id })).body.items[0].id as string;
    const event = await waitFor('delivery', async () => {
      const res = await request(a.http).get(`/admin/security-events/${id}`).set('authorization', admin);
      return res.body.status === 'delivered' ? res.body : undefined;
    });
    expect(event.attempts).toBe(4);
    expect(event.attempt_log.map((x: { status_code: number }) => x.status_code)).toEqual([500, 500, 500, 202]);
    expect(event.last_error).toBeNull();
    expect(receiver.at(path)).toHaveLength(4);
    expect(new Set(receiver.at(path).map((p) => decodeJti(p.body))).size).toBe(1);
  });

  it('marks an event failed after the last attempt, and a redeliver queues it again with its attempts kept', async () => {
    const { client, path } = await watchedClient();
    receiver.script(path, [503, 503, 503, 503]);
    await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);
    const id = (await listEvents({ client_id: client.client_id })).body.items[0].id as string;
    const failed = await waitFor('failure', async () => {
      const res = await request(a.http).get(`/admin/security-events/${id}`).set('authorization', admin);
      return res.body.status === 'failed' ? res.body : undefined;
    });
    expect(failed).toMatchObject({ attempts: 4, last_error: 'HTTP 503', delivered_at: null });
    expect((await listEvents({ client_id: client.client_id, status: 'failed' })).body.items).toHaveLength(1);

    const again = await request(a.http).post(`/admin/security-events/${id}/redeliver`).set('authorization', admin);
    expect(again.status).toBe(200);
    const delivered = await waitFor('redelivery', async () => {
      const res = await request(a.http).get(`/admin/security-events/${id}`).set('authorization', admin);
      return res.body.status === 'delivered' ? res.body : undefined;
    });
    expect(delivered.attempts).toBe(5);
    expect(delivered.attempt_log).toHaveLength(5);
    const audit = await request(a.http)
      .get('/admin/audit-events')
      .query({ action: 'security_event.redelivered', target_id: id })
      .set('authorization', admin);
    expect(audit.body.items).toEqual([
      expect.objectContaining({ actor: 'admin:e2e-admin', target_type: 'security_event' }),
    ]);
  });

  it('refuses an https endpoint on a non-public address at delivery: one failed attempt saying why, nothing sent', async () => {
    // A receiver of its own: only this test's endpoints point at it.
    const guarded = await new Receiver().start();
    try {
      for (const [endpoint, error] of [
        ['https://10.0.0.1/events', NOT_PUBLIC],
        [`https://localhost:${guarded.port}/events`, NOT_PUBLIC],
        // This machine's own name: it resolves to a loopback or private address, never a public one.
        [`https://${hostname()}:${guarded.port}/events`, RESOLVES_NOT_PUBLIC],
      ]) {
        const { client } = await watchedClient(endpoint);
        await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);
        const id = (await listEvents({ client_id: client.client_id })).body.items[0].id as string;
        const failed = await waitFor(`failure of ${endpoint}`, async () => {
          const res = await request(a.http).get(`/admin/security-events/${id}`).set('authorization', admin);
          return res.body.status === 'failed' ? res.body : undefined;
        });
        expect(failed).toMatchObject({
          status: 'failed',
          attempts: 1,
          last_error: error,
          delivered_at: null,
          attempt_log: [
            { status_code: null, error, attempted_at: expect.any(String), duration_ms: expect.any(Number) },
          ],
        });
      }
      expect(guarded.connections).toBe(0);
      expect(guarded.received).toEqual([]);
    } finally {
      await guarded.stop();
    }
  });

  it('answers 409 to a redeliver of a pending event, 404 to an unknown one, 400 to a bad id', async () => {
    const { client, path } = await watchedClient();
    receiver.script(
      path,
      Array.from({ length: 4 }, () => 500),
    );
    await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);
    const id = (await listEvents({ client_id: client.client_id, status: 'pending' })).body.items[0].id as string;
    const pending = await request(a.http).post(`/admin/security-events/${id}/redeliver`).set('authorization', admin);
    // It may have failed for good in between (4 fast attempts): then the redeliver is accepted.
    expect([200, 409]).toContain(pending.status);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectAdminError(
      await request(a.http).post(`/admin/security-events/${unknown}/redeliver`).set('authorization', admin),
      404,
    );
    expectAdminError(await request(a.http).get(`/admin/security-events/${unknown}`).set('authorization', admin), 404);
    expectAdminError(await request(a.http).get('/admin/security-events/nope').set('authorization', admin), 400);
  });

  it('filters the list by client, type and status, newest first with keyset pages', async () => {
    const { client } = await watchedClient();
    for (let i = 0; i < 3; i++)
      await request(a.http).post(`/admin/clients/${client.client_id}/secret`).set('authorization', admin).expect(200);
    const all = (await listEvents({ client_id: client.client_id })).body;
    expect(all.items).toHaveLength(3);
    expect(Object.keys(all.items[0]).sort()).toEqual(
      [
        'id',
        'txn',
        'client_id',
        'type',
        'event_uri',
        'subject',
        'family_ids',
        'reason',
        'status',
        'attempts',
        'created_at',
        'next_attempt_at',
        'delivered_at',
        'last_error',
      ].sort(),
    );
    expect(all.items[0]).toMatchObject({
      id: expect.stringMatching(UUID),
      txn: expect.stringMatching(UUID),
      client_id: client.client_id,
      type: 'client_secret_rotated',
      event_uri: `${EVENTS}/client-secret-rotated`,
      subject: null,
      family_ids: [],
      reason: 'secret_rotated',
    });
    expect(new Set(all.items.map((e: { txn: string }) => e.txn)).size).toBe(3);
    const first = (await listEvents({ client_id: client.client_id, limit: '2' })).body;
    expect(first.items).toHaveLength(2);
    const second = (await listEvents({ client_id: client.client_id, limit: '2', cursor: first.next_cursor })).body;
    expect(second).toEqual({ items: [all.items[2]], next_cursor: null });
    expect((await listEvents({ client_id: client.client_id, type: 'user_deleted' })).body.items).toEqual([]);
    expect((await listEvents({ client_id: client.client_id, type: 'client_secret_rotated' })).body.items).toHaveLength(
      3,
    );
    expectAdminError(await listEvents({ type: 'nope' }), 400);
    expectAdminError(await listEvents({ status: 'lost' }), 400);
    expectAdminError(await listEvents({ extra: 'x' }), 400);
  });

  it('delivers each event exactly once although both instances poll the outbox', async () => {
    const { client, path } = await watchedClient();
    const users = [];
    for (let i = 0; i < 12; i++) users.push(await newUser());
    for (const user of users) await grant(client, user.username);
    await request(a.http)
      .post('/admin/refresh-tokens/revoke')
      .set('authorization', admin)
      .send({ client_id: client.client_id })
      .expect(200, { revoked: 12 });
    // Both instances' workers run: wait for the outbox to drain, then a while longer for any duplicate.
    await waitFor('12 deliveries', async () => {
      const items = (await listEvents({ client_id: client.client_id, status: 'delivered' })).body.items;
      return items.length === 12;
    });
    await Promise.all([a.app.get(SecurityEventWorker).idle(), b.app.get(SecurityEventWorker).idle()]);
    await new Promise((r) => setTimeout(r, 300));
    const jtis = receiver.at(path).map((p) => decodeJti(p.body));
    expect(jtis).toHaveLength(12);
    expect(new Set(jtis).size).toBe(12);
    const sets = await Promise.all(receiver.at(path).map((p) => verifySet(b, p.body, client.client_id)));
    expect(new Set(sets.map((s) => s.payload.txn)).size).toBe(1);
  });

  it('writes no event when the revocation’s transaction rolls back', async () => {
    const { client } = await watchedClient();
    const user = await newUser();
    await grant(client, user.username);
    const db = a.app.get(DataSource);
    // The revocation's audit record, written after its events in the same transaction, is refused.
    if (TEST_DIALECT === 'postgres') {
      await db.query(
        `CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql`,
      );
      await db.query(
        `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event FOR EACH ROW
         WHEN (NEW.target_id = '${user.id}' AND NEW.action = 'refresh_tokens.bulk_revoked') EXECUTE FUNCTION refuse_audit()`,
      );
    } else {
      await db.query(
        `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event
         WHEN NEW.target_id = '${user.id}' AND NEW.action = 'refresh_tokens.bulk_revoked'
         BEGIN SELECT RAISE(ABORT, 'refused'); END`,
      );
    }
    try {
      const res = await request(a.http).put(`/admin/users/${user.id}/password`).set('authorization', admin).send({
        password: 'another-horse-battery',
      });
      expect(res.status).toBe(500);
    } finally {
      await db.query('DROP TRIGGER refuse_audit' + (TEST_DIALECT === 'postgres' ? ' ON audit_event' : ''));
      if (TEST_DIALECT === 'postgres') await db.query('DROP FUNCTION refuse_audit()');
    }
    const families = (await db.query(`SELECT revoked_at FROM refresh_token_family WHERE subject = '${user.id}'`)) as {
      revoked_at: unknown;
    }[];
    expect(families).toEqual([{ revoked_at: null }]);
    expect((await listEvents({ client_id: client.client_id })).body.items).toEqual([]);
  });

  it('lets housekeeping delete the events delivered before its retention, with their attempts, and keep the others', async () => {
    const delivered = (await listEvents({ status: 'delivered', limit: '500' })).body.items.map(
      (e: { id: string }) => e.id,
    );
    const failed = (await listEvents({ status: 'failed', limit: '500' })).body.items.map((e: { id: string }) => e.id);
    expect(delivered.length).toBeGreaterThan(0);
    const week = 8 * 24 * 3600;
    a.clock.advance(week);
    b.clock.advance(week);
    await a.app.get(HousekeepingService).runOnce();
    admin = `Bearer ${await a.adminToken()}`;
    for (const id of delivered)
      await request(a.http).get(`/admin/security-events/${id}`).set('authorization', admin).expect(404);
    for (const id of failed)
      expect(
        (await request(a.http).get(`/admin/security-events/${id}`).set('authorization', admin)).body.attempt_log.length,
      ).toBeGreaterThan(0);
    const [orphans] = (await a.app
      .get(DataSource)
      .query(
        'SELECT COUNT(*) AS n FROM security_event_attempt WHERE event_id NOT IN (SELECT id FROM security_event)',
      )) as { n: unknown }[];
    expect(Number(orphans.n)).toBe(0);
  });

  describe('registration of security_event_endpoint', () => {
    const register = (body: object) =>
      request(a.http)
        .post('/admin/clients')
        .set('authorization', admin)
        .send({ grant_types: ['client_credentials'], scope: 'read', ...body });

    it('accepts https, and http on a loopback host with SECURITY_EVENTS_ALLOW_HTTP=true', async () => {
      for (const url of ['https://app.example/events', 'http://127.0.0.1:9/events', 'http://localhost/events']) {
        const res = await register({ security_event_endpoint: url });
        expect(res.status).toBe(201);
        expect(res.body.security_event_endpoint).toBe(url);
      }
    });

    it('refuses anything else with a 400, storing nothing', async () => {
      for (const url of [
        'http://app.example/events',
        'ftp://app.example/x',
        '/events',
        'https://u:p@app.example/x',
        42,
      ]) {
        n += 1;
        const id = `se-refused-${n}`;
        expectAdminError(await register({ client_id: id, security_event_endpoint: url }), 400);
        await request(a.http).get(`/admin/clients/${id}`).set('authorization', admin).expect(404);
      }
    });

    it('refuses a change to a bad endpoint and removes the endpoint with an empty string', async () => {
      const { client } = await watchedClient('https://app.example/events');
      const bad = await request(a.http)
        .patch(`/admin/clients/${client.client_id}`)
        .set('authorization', admin)
        .send({ security_event_endpoint: 'http://app.example/events' });
      expectAdminError(bad, 400);
      const removed = await request(a.http)
        .patch(`/admin/clients/${client.client_id}`)
        .set('authorization', admin)
        .send({ security_event_endpoint: '' })
        .expect(200);
      expect(removed.body.security_event_endpoint).toBeUndefined();
    });
  });
});

describe('security_event_endpoint without SECURITY_EVENTS_ALLOW_HTTP', () => {
  it('refuses http even on a loopback host, storing nothing', async () => {
    const app = await startTestApp({ env: { ...SETTINGS, SECURITY_EVENTS_ALLOW_HTTP: 'false' } });
    try {
      const admin = `Bearer ${await app.adminToken()}`;
      const res = await request(app.http)
        .post('/admin/clients')
        .set('authorization', admin)
        .send({
          client_id: 'loopback-http',
          grant_types: ['client_credentials'],
          security_event_endpoint: 'http://127.0.0.1:9/events',
        });
      expectAdminError(res, 400);
      expect(res.body.message).toContain('SECURITY_EVENTS_ALLOW_HTTP=true');
      await request(app.http).get('/admin/clients/loopback-http').set('authorization', admin).expect(404);
    } finally {
      await app.close();
    }
  });
});

describe('security_event_endpoint with SECURITY_EVENTS_ALLOW_PRIVATE', () => {
  it('sends to an https endpoint on a loopback address', async () => {
    const receiver = await new Receiver().start();
    const app = await startTestApp({ env: { ...SETTINGS, SECURITY_EVENTS_ALLOW_PRIVATE: 'true' } });
    try {
      const admin = `Bearer ${await app.adminToken()}`;
      await app.createClient({
        client_id: 'private-https',
        grant_types: ['client_credentials'],
        security_event_endpoint: `https://127.0.0.1:${receiver.port}/events`,
      });
      await request(app.http).post('/admin/clients/private-https/secret').set('authorization', admin).expect(200);
      // The receiver speaks plain http: the TLS handshake fails, but the connection was made.
      const [event] = await waitFor('an attempt', async () => {
        const items = (await request(app.http).get('/admin/security-events').set('authorization', admin)).body.items;
        return items.length === 1 && items[0].attempts >= 1 ? items : undefined;
      });
      expect(event.last_error).toMatch(/^network error/);
      expect(receiver.connections).toBeGreaterThan(0);
    } finally {
      await app.close();
      await receiver.stop();
    }
  });
});

describe('security events across a restart', () => {
  // Enough attempts that the events are still pending when the server comes back.
  const RESTART_SETTINGS = { ...SETTINGS, SECURITY_EVENTS_MAX_ATTEMPTS: '20', SECURITY_EVENTS_BACKOFF_BASE_MS: '200' };

  it('delivers every event once the receiver is up, after the server restarted on the same database', async () => {
    const database = await createTestDatabase();
    // A port nobody listens on yet: the receiver starts there later.
    const probe = await new Receiver().start();
    const port = probe.port;
    await probe.stop();
    let app = await startTestApp({ env: RESTART_SETTINGS, database });
    try {
      const admin = `Bearer ${await app.adminToken()}`;
      let ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const client = await app.createClient({
          client_id: `restart-${i}`,
          grant_types: ['client_credentials'],
          security_event_endpoint: `http://127.0.0.1:${port}/events`,
        });
        await request(app.http)
          .post(`/admin/clients/${client.client_id}/secret`)
          .set('authorization', admin)
          .expect(200);
      }
      await waitFor('a refused attempt', async () => {
        const items = (await request(app.http).get('/admin/security-events').set('authorization', admin)).body.items;
        ids = items.map((e: { id: string }) => e.id);
        return items.length === 3 && items.every((e: { attempts: number }) => e.attempts >= 1) ? true : undefined;
      });
      const failedAttempt = (
        await request(app.http).get(`/admin/security-events/${ids[0]}`).set('authorization', admin)
      ).body.attempt_log[0];
      expect(failedAttempt).toMatchObject({ status_code: null, error: expect.stringMatching(/^network error/) });
      await app.close();

      const receiver = await new Receiver().start(port);
      try {
        app = await startTestApp({ env: RESTART_SETTINGS, database });
        const token = `Bearer ${await app.adminToken()}`;
        const pending = await waitFor('every event', async () => {
          const items = (await request(app.http).get('/admin/security-events').set('authorization', token)).body.items;
          return items.every((e: { status: string }) => e.status === 'delivered') ? items : undefined;
        });
        expect(pending).toHaveLength(3);
        const jtis = receiver.at('/events').map((p) => decodeJti(p.body));
        expect(new Set(jtis).size).toBe(3);
        expect(jtis).toHaveLength(3);
      } finally {
        await receiver.stop();
      }
    } finally {
      await app.close();
      await database.drop();
    }
  });
});

function decodeJti(set: string): string {
  return (JSON.parse(Buffer.from(set.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
}
