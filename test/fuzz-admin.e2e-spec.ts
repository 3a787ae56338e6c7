/**
 * Property-based fuzzing of the admin API of the real app (fast-check): thousands of malformed and
 * hostile requests. Whatever comes in, the server never answers 5xx, never leaks a stack trace or a
 * driver error, never redirects outside a registered redirect URI, and a rejected request never
 * changes a stored row (audit_event aside: failed-authentication bursts are recorded there).
 *
 * Requests go out through node:http byte for byte (support/fuzz-http.ts), the stored data is
 * compared in full after every request (support/fuzz-snapshot.ts), and the generators live in
 * support/fuzz-arbitraries.ts; the settings and oracles these files share in support/fuzz-setup.ts.
 *
 * FUZZ_SCALE=4 multiplies every numRuns; FUZZ_SEED=n replays the seed fast-check printed;
 * FUZZ_STATS=1 prints the answers per route and status after each describe.
 * Bugs it found are pinned by fixed reproductions marked `// Regression`; the
 * random properties step around those input classes only, as their comments say.
 */
import fc from 'fast-check';
import request from 'supertest';
import {
  adminBody,
  authorization,
  b64,
  formString,
  jwtLike,
  pathSegment,
  pct,
  rawAdminBody,
  text,
  urlValue,
} from './support/fuzz-arbitraries.js';
import {
  type FuzzResponse,
  type RawRequest,
  check,
  expectAdminError,
  expectNoLeak,
  expectSane,
  printStats,
  send,
} from './support/fuzz-http.js';
import { type GuardedTable, TableGuard } from './support/fuzz-snapshot.js';
import { type TestApp, ADMIN_CLIENT_ID, ISSUER, basic, startTestApp } from './support/test-app.js';
import { runs, TIMEOUT, type Client } from './support/fuzz-setup.js';

describe('fuzz: admin API', () => {
  let t: TestApp;
  let guard: TableGuard;
  let bearer: string;
  let victimClient: Client;
  let victimUser: { id: string };
  let tokenIds: string[];
  let validCursor: string;

  beforeAll(async () => {
    t = await startTestApp();
    bearer = await t.adminToken();
    victimClient = await t.createClient({
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      scope: 'read write',
    });
    victimUser = await t.createUser('victim', 'victim-password-123');
    // Data the admin API must not lose: a user with refresh tokens.
    await t.createUser('carol', 'carol-password-123');
    for (let i = 0; i < 3; i++) {
      const res = await t.token(
        { grant_type: 'password', username: 'carol', password: 'carol-password-123', scope: 'read' },
        basic(victimClient),
      );
      expect(res.status).toBe(200);
    }
    const page = await request(t.http).get('/admin/refresh-tokens?limit=1').auth(bearer, { type: 'bearer' });
    tokenIds = page.body.items.map((i: { id: string }) => i.id);
    validCursor = page.body.next_cursor;
    expect(validCursor).toEqual(expect.any(String));
    guard = new TableGuard(t);
    await guard.reset();
  });
  afterAll(async () => {
    printStats();
    await t.close();
  });

  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v) ?? '', 'utf8');
  const withBearer = (extra: Record<string, string | undefined> = {}) => ({
    authorization: `Bearer ${bearer}`,
    ...extra,
  });

  /** Runs one admin request: 2xx only where `success` says it is legitimate, then only the named tables may change. */
  async function adminCase(
    r: RawRequest,
    success: {
      statuses: number[];
      tables: GuardedTable[];
      check?: (res: FuzzResponse) => void;
      /** Which rows a success may add and remove: [table, column, value, added, removed]. */
      rows?: (res: FuzzResponse) => [GuardedTable, string, string, number, number];
    },
  ): Promise<void> {
    const res = await send(t.http, r);
    expectSane(r, res);
    if (res.status < 300) {
      check(success.statuses.includes(res.status), `unexpected success ${res.status}`, r, res);
      success.check?.(res);
      const changes = await guard.expectOnly(success.tables, r);
      if (success.rows) {
        const [table, column, id, added, removed] = success.rows(res);
        const change = changes[table] ?? { added: [], removed: [] };
        const own = (row: string) => row.includes(JSON.stringify([column, id]));
        // A replacement (1 added, 1 removed) may also change nothing, when the values were the same.
        const counts =
          (change.added.length === added && change.removed.length === removed) ||
          (added === 1 && removed === 1 && change.added.length === 0 && change.removed.length === 0);
        check(
          counts && [...change.added, ...change.removed].every(own),
          `a ${res.status} changed other rows than ${table} ${id}: ${JSON.stringify(change)}`,
          r,
          res,
        );
      }
    } else {
      expectAdminError(r, res);
      await guard.expectUnchanged(r);
    }
  }

  // Path parameters come first: later properties create clients whose ids random text could name.
  const PATH_ROUTES: { method: 'get' | 'delete' | 'post'; path: (id: string) => string }[] = [
    { method: 'get', path: (id) => `/admin/refresh-tokens/${id}` },
    { method: 'delete', path: (id) => `/admin/refresh-tokens/${id}` },
    { method: 'get', path: (id) => `/admin/clients/${id}` },
    { method: 'delete', path: (id) => `/admin/clients/${id}` },
    { method: 'post', path: (id) => `/admin/clients/${id}/secret` },
    { method: 'get', path: (id) => `/admin/users/${id}` },
    { method: 'delete', path: (id) => `/admin/users/${id}` },
    { method: 'post', path: (id) => `/admin/users/${id}/disable` },
  ];

  it(
    'path parameters: random ids in GET/DELETE/POST routes are 400 or 404 and change nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...PATH_ROUTES), pathSegment(), async (route, id) => {
          const r: RawRequest = { method: route.method, path: route.path(id), headers: withBearer() };
          const res = await send(t.http, r);
          expectSane(r, res);
          check([400, 404].includes(res.status), `status ${res.status} for a random id`, r, res);
          expectAdminError(r, res);
          await guard.expectUnchanged(r);
        }),
        runs(300),
      );
    },
    TIMEOUT,
  );

  it(
    'authentication: forged, expired-looking and garbage bearer tokens are 401 on every admin route (400 when malformed)',
    async () => {
      const routes: [RawRequest['method'], string][] = [
        ['get', '/admin/clients'],
        ['post', '/admin/clients'],
        ['patch', `/admin/clients/${victimClient.client_id}`],
        ['delete', `/admin/clients/${victimClient.client_id}`],
        ['put', `/admin/users/${victimUser.id}/password`],
        ['post', '/admin/refresh-tokens/revoke'],
        ['get', '/admin/refresh-tokens'],
        ['get', '/admin/audit-events'],
      ];
      const kid = (await request(t.http).get('/.well-known/jwks.json')).body.keys?.[0]?.kid;
      const forged = jwtLike({ kid, issuer: ISSUER, clientId: ADMIN_CLIENT_ID }).map((jwt) => `Bearer ${jwt}`);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          authorization([forged, forged, fc.constant(`Basic ${b64(`${ADMIN_CLIENT_ID}:x`)}`)]),
          async ([method, path], auth) => {
            const r: RawRequest = {
              method,
              path,
              headers: { authorization: auth, 'content-type': 'application/json' },
              body: method === 'get' || method === 'delete' ? undefined : json({ password: 'new-password-123' }),
            };
            const res = await send(t.http, r);
            expectSane(r, res);
            // RFC 6750 3.1: malformed Bearer credentials are invalid_request, anything else unauthenticated.
            const challenge =
              res.status === 400 ? /^Bearer realm="admin", error="invalid_request"/ : /^Bearer realm="admin"/;
            check([400, 401].includes(res.status), `status ${res.status} without a valid token`, r, res);
            expectAdminError(r, res);
            check(challenge.test(String(res.headers['www-authenticate'])), 'no Bearer challenge', r, res);
            await guard.expectUnchanged(r);
          },
        ),
        runs(200),
      );
    },
    TIMEOUT,
  );

  const CLIENT_KEYS = [
    'client_id',
    'client_name',
    'redirect_uris',
    'grant_types',
    'scope',
    'token_endpoint_auth_method',
    'refresh_token_rotation',
    'refresh_token_reuse_interval',
    'refresh_token_absolute_lifetime',
    'refresh_token_idle_lifetime',
    'introspection_allowed',
    'require_pkce',
    'first_party',
    'refresh_token_requires_offline_access',
    'access_token_lifetime',
  ];

  /** A JSON body, or raw bytes with a random content type. */
  function adminPayload(keys: readonly string[], valid: Record<string, unknown>) {
    return fc.oneof(
      {
        weight: 5,
        arbitrary: adminBody(keys, valid).map((v) => ({
          body: json(v),
          type: 'application/json' as string | undefined,
        })),
      },
      { weight: 1, arbitrary: rawAdminBody },
    );
  }

  it(
    'POST /admin/clients: random JSON bodies are 400/413 and change nothing; a 201 adds exactly the client it answers',
    async () => {
      const validCreate = { grant_types: ['client_credentials'], scope: 'read', client_name: 'fuzz' };
      await fc.assert(
        fc.asyncProperty(adminPayload(CLIENT_KEYS, validCreate), async ({ body, type }) => {
          const r: RawRequest = {
            method: 'post',
            path: '/admin/clients',
            headers: withBearer({ 'content-type': type }),
            body,
          };
          await adminCase(r, {
            statuses: [201],
            tables: ['oauth_client'],
            check: (res) => check(typeof res.body.client_id === 'string', 'a 201 without client_id', r, res),
            rows: (res) => ['oauth_client', 'client_id', res.body.client_id, 1, 0],
          });
        }),
        runs(300),
      );
    },
    TIMEOUT,
  );

  it(
    'PATCH /admin/clients/{id}: random JSON bodies are 400/413 and change nothing; a 200 changes only that client',
    async () => {
      await fc.assert(
        fc.asyncProperty(adminPayload(CLIENT_KEYS.slice(1), { scope: 'read' }), async ({ body, type }) => {
          const r: RawRequest = {
            method: 'patch',
            path: `/admin/clients/${victimClient.client_id}`,
            headers: withBearer({ 'content-type': type }),
            body,
          };
          await adminCase(r, {
            statuses: [200],
            tables: ['oauth_client'],
            check: (res) => check(res.body.client_id === victimClient.client_id, 'a 200 for another client', r, res),
            // Either nothing changed (same values) or the victim's row was replaced.
            rows: () => ['oauth_client', 'client_id', victimClient.client_id, 1, 1],
          });
        }),
        runs(250),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /admin/users: random JSON bodies are 400/413 and change nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          adminPayload(['username', 'password'], { username: 'fuzz-user', password: 'fuzz-password-123' }),
          async ({ body, type }) => {
            const r: RawRequest = {
              method: 'post',
              path: '/admin/users',
              headers: withBearer({ 'content-type': type }),
              body,
            };
            await adminCase(r, {
              statuses: [201],
              tables: ['app_user'],
              rows: (res) => ['app_user', 'id', res.body.id, 1, 0],
            });
          },
        ),
        runs(150),
      );
    },
    TIMEOUT,
  );

  it(
    'PUT /admin/users/{id}/password: random JSON bodies are 400/413 and change nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(adminPayload(['password'], { password: 'new-password-123' }), async ({ body, type }) => {
          const r: RawRequest = {
            method: 'put',
            path: `/admin/users/${victimUser.id}/password`,
            headers: withBearer({ 'content-type': type }),
            body,
          };
          // The victim user has no tokens or sessions: a 204 changes its own row only.
          await adminCase(r, {
            statuses: [204],
            tables: ['app_user'],
            rows: () => ['app_user', 'id', victimUser.id, 1, 1],
          });
        }),
        runs(100),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /admin/refresh-tokens/revoke: random JSON bodies are 400/413; a random subject or client revokes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(adminPayload(['subject', 'client_id'], { subject: 'nobody' }), async ({ body, type }) => {
          const r: RawRequest = {
            method: 'post',
            path: '/admin/refresh-tokens/revoke',
            headers: withBearer({ 'content-type': type }),
            body,
          };
          await adminCase(r, {
            statuses: [200],
            tables: [],
            check: (res) =>
              check(JSON.stringify(res.body) === '{"revoked":0}', 'random input revoked something', r, res),
          });
        }),
        runs(200),
      );
    },
    TIMEOUT,
  );

  it(
    'GET list routes: random query strings answer a page or a 400 and change nothing',
    async () => {
      const routes = ['/admin/clients', '/admin/users', '/admin/refresh-tokens', '/admin/audit-events'];
      const names = [
        'limit',
        'cursor',
        'status',
        'client_id',
        'subject',
        'family_id',
        'issued_after',
        'issued_before',
        'action',
        'actor',
        'target_id',
        'occurred_after',
        'occurred_before',
      ];
      const forgedCursor = fc
        .tuple(
          fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.constant(null), text(10), fc.constant(2 ** 60)),
          fc.oneof(
            text(40),
            fc.integer({ min: 250, max: 300 }).map((n) => 'i'.repeat(n)),
            fc.constant(7),
          ),
          fc.boolean(),
        )
        .map(([at, id, asArray]) => Buffer.from(JSON.stringify(asArray ? [at, id] : { at, id })).toString('base64url'));
      const date = fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom(
          '2020-02-30T00:00:00Z',
          '2020-01-01T24:00:00Z',
          '2020-01-01T23:59:60Z',
          '0000-01-01T00:00:00Z',
          '9999-12-31T23:59:59.999999999+14:00',
          '2020-01-01',
          '2020-01-01T00:00:00',
          'yesterday',
          '1700000000',
        ),
      );
      const listValue = fc.oneof(
        { weight: 4, arbitrary: urlValue(40) },
        {
          weight: 2,
          arbitrary: fc.constantFrom('1', '0', '-1', '500', '501', '1.5', '1e2', '0x10', ' 1', '50 ', '९', 'Infinity'),
        },
        { weight: 1, arbitrary: fc.constantFrom('active', 'rotated', 'revoked', 'expired', 'ACTIVE', 'all') },
        { weight: 2, arbitrary: forgedCursor },
        { weight: 1, arbitrary: fc.constant(validCursor) },
        { weight: 1, arbitrary: fc.base64String({ maxLength: 80 }) },
        { weight: 2, arbitrary: date },
        {
          weight: 1,
          arbitrary: fc.oneof(fc.uuid(), fc.constantFrom(...tokenIds, victimClient.client_id, victimUser.id)),
        },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          fc
            .oneof(
              // Raw query strings: random names (unknown ones are 400s), repeats, encoding garbage.
              formString(names, listValue, 6),
              // Plausible ones: one to three known parameters, so that more of them reach the queries.
              fc
                .uniqueArray(fc.tuple(fc.constantFrom(...names), listValue), { maxLength: 3, selector: ([n]) => n })
                .map((pairs) => pairs.map(([n, v]) => `${n}=${pct(v)}`).join('&')),
            )
            .map((q) => q.slice(0, 12_000)), // Node refuses more than 16 KB of headers (431)
          async (route, query) => {
            const r: RawRequest = { method: 'get', path: query ? `${route}?${query}` : route, headers: withBearer() };
            const res = await send(t.http, r);
            expectSane(r, res);
            if (res.status === 200) {
              check(
                Array.isArray(res.body.items) &&
                  (res.body.next_cursor === null || typeof res.body.next_cursor === 'string'),
                'a 200 that is not a page',
                r,
                res,
              );
            } else {
              check(res.status === 400, `status ${res.status}`, r, res);
              expectAdminError(r, res);
            }
            await guard.expectUnchanged(r);
          },
        ),
        runs(400),
      );
    },
    TIMEOUT,
  );

  // Regression (found by this suite, fixed): the admin validation (class-transformer / class-validator) recurses over the whole body;
  // JSON nested about 2000 levels deep (a 4 KB body, far under the 64 KB limit), under any key,
  // known or not, overflows the stack, and the RangeError becomes a 500 on every admin route that
  // takes a body (POST/PATCH clients, POST users, PUT password, POST refresh-tokens/revoke).
  // Today: POST /admin/clients {"grant_types":[[[...5000 levels...]]]} answers
  // 500 {"status":500,"error":"internal_error",...} and logs "unexpected RangeError". Expected: 400.
  // It takes an admin token (the guard runs first; unauthenticated it is a 401).
  it('regression: a deeply nested JSON body is a 400, not a 500', async () => {
    const arrays = `{"grant_types":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const objects = `{"subject":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    for (const [path, body] of [
      ['/admin/clients', arrays],
      ['/admin/refresh-tokens/revoke', objects],
    ]) {
      const r: RawRequest = { method: 'post', path, headers: withBearer({ 'content-type': 'application/json' }), body };
      const res = await send(t.http, r);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expectAdminError(r, res);
    }
  });

  // Regression (found by this suite, fixed): decodeCursor accepts any string id (up to 255 characters); on PostgreSQL an id with NUL
  // reaches the keyset query and the driver's 22021 error is a 500, on every admin list.
  // Today (PostgreSQL): GET /admin/clients?cursor=WzEsImFcdTAwMDAiXQ (base64url of [1,"a\u0000"])
  // answers 500 {"status":500,"error":"internal_error",...}; SQLite answers 200 with an empty page.
  // Expected: a 400 (cursor is not a cursor this server issued) or the empty page.
  it('regression: a forged cursor with NUL in its id is a 400 (or an empty page), never a 500', async () => {
    const cursor = Buffer.from('[1,"a\\u0000"]').toString('base64url'); // WzEsImFcdTAwMDAiXQ
    for (const route of ['/admin/clients', '/admin/users', '/admin/refresh-tokens', '/admin/audit-events']) {
      const r: RawRequest = { method: 'get', path: `${route}?cursor=${cursor}`, headers: withBearer() };
      const res = await send(t.http, r);
      expect({ route, serverError: res.status >= 500 }).toEqual({ route, serverError: false });
      if (res.status !== 200) expectAdminError(r, res);
    }
  });

  // Regression (found by this suite, fixed): a route parameter that is not valid percent-encoding fails in Express's router before
  // any Nest filter, so the answer is Nest's default shape without Cache-Control: no-store, not
  // the admin shape {status, error, message}. With or without a token.
  // Today: GET /admin/clients/%E0%A4%A answers
  // 400 {"message":"Failed to decode param '%E0%A4%A'","error":"Bad Request","statusCode":400}.
  it('regression: a path parameter with bad percent-encoding answers in the admin error shape', async () => {
    for (const path of ['/admin/clients/%E0%A4%A', '/admin/refresh-tokens/%zz', '/admin/users/%']) {
      const r: RawRequest = { method: 'get', path, headers: withBearer() };
      const res = await send(t.http, r);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expectAdminError(r, res);
    }
  });

  // Regression (minor): AdminValidationPipe refuses unknown fields, but `__proto__` and `constructor`
  // are dropped by class-transformer before validation, so they pass silently and the client is
  // created (201). No prototype pollution was observed (first_party stays false); the contract
  // "unknown fields are 400" is broken for these two names only. Same for ?__proto__=x on lists.
  it('regression: POST /admin/clients refuses the unknown field __proto__ like any other', async () => {
    const r: RawRequest = {
      method: 'post',
      path: '/admin/clients',
      headers: withBearer({ 'content-type': 'application/json' }),
      body: '{"__proto__":{"first_party":true},"grant_types":["client_credentials"]}',
    };
    const res = await send(t.http, r);
    try {
      expect(res.status).toBe(400);
      expectAdminError(r, res);
    } finally {
      await guard.reset();
    }
  });

  it('the server is still healthy after the fuzzing', async () => {
    const res = await request(t.http).get('/admin/clients?limit=1').auth(bearer, { type: 'bearer' });
    expect(res.status).toBe(200);
    expectNoLeak({ method: 'get', path: '/admin/clients?limit=1' }, res);
  });
});
