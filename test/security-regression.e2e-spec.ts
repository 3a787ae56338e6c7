/**
 * Security regression suite. The admin routes are enumerated from the app itself (the Express
 * router, checked against the OpenAPI document at /docs-json), so a route added later is covered
 * without touching this file:
 *
 * - every admin route refuses a missing, expired, foreign-key, alg-none, Basic or garbage
 *   credential with 401, a token without an admin scope with 403, and an admin:read token on a
 *   write route with 403, each in the admin error shape with its WWW-Authenticate challenge;
 * - SQL- and header-injection strings in every path parameter, documented query parameter and
 *   string body field of the admin routes, in the form parameters of the token, revocation and
 *   introspection endpoints and in the query of the authorization endpoint never cause a 5xx, a
 *   leak, an injected response header or a change of stored data beyond what the request may do.
 *
 * Requests go out byte for byte through support/fuzz-http.ts; stored data is compared in full
 * through support/fuzz-snapshot.ts.
 */
import { jest } from '@jest/globals';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import type express from 'express';
import { randomUUID } from 'node:crypto';
import { claimsOf } from './support/admin-api.js';
import { pkcePair } from './support/authorization-flow.js';
import { b64, lenient, pct } from './support/fuzz-arbitraries.js';
import {
  type FuzzResponse,
  type Method,
  type RawRequest,
  check,
  expectAdminError,
  expectOAuthError,
  expectSane,
  send,
} from './support/fuzz-http.js';
import { type GuardedTable, TableGuard } from './support/fuzz-snapshot.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestApp, basic, startTestApp } from './support/test-app.js';

jest.setTimeout(180_000);

// ---------------------------------------------------------------------------------------------
// The routes, from the running app

interface Schema {
  type?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  minLength?: number;
}
interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Array<Record<string, string[]>>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

interface AdminOperation {
  /** `POST /admin/clients/{client_id}/secret` */
  label: string;
  method: Method;
  /** The OpenAPI template, `/admin/clients/{client_id}/secret`. */
  path: string;
  write: boolean;
  /** The scope the documented security asks for. */
  scope: string;
  pathParams: string[];
  queryParams: string[];
  body?: { name: string; schema: Schema };
}

// The hostile usernames and passwords of the password grant are wrong sign-ins: limits they never reach.
const t = await startTestApp({ env: { LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000' } });
afterAll(() => t.close());

/** What Express serves: every route of the router, as `METHOD /path/{param}`. */
function servedRoutes(app: TestApp['app']): string[] {
  const { router } = app.getHttpAdapter().getInstance() as express.Express;
  const layers = router.stack as Array<{ route?: { path: string | string[]; methods: Record<string, boolean> } }>;
  return layers.flatMap(({ route }) =>
    route
      ? [route.path].flat().flatMap((path) =>
          Object.keys(route.methods)
            .filter((m) => m !== '_all')
            .map((m) => `${m.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`),
        )
      : [],
  );
}

const openApi = (await send(t.http, { method: 'get', path: '/docs-json' })).body as OpenApiDocument;
const SERVED_ADMIN = servedRoutes(t.app).filter((r) => / \/admin\//.test(r));

function resolve(schema: Schema): { name: string; schema: Schema } {
  const name = schema.$ref?.split('/').pop() ?? 'inline';
  return { name, schema: schema.$ref ? openApi.components.schemas[name] : schema };
}

/** Every admin route the router serves, with what its OpenAPI operation says about it (a route left undocumented is still tested). */
const ADMIN_OPERATIONS: AdminOperation[] = SERVED_ADMIN.map((label) => {
  const [method, path] = label.split(' ') as [string, string];
  const op = openApi.paths[path]?.[method.toLowerCase()] ?? {};
  const json = op.requestBody?.content['application/json']?.schema;
  const write = method !== 'GET';
  return {
    label,
    method: method.toLowerCase() as Method,
    path,
    write,
    scope: op.security?.[0]?.admin_oauth2?.[0] ?? (write ? 'admin' : 'admin:read'),
    pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
    queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    body: json ? resolve(json) : undefined,
  };
});
/** The admin routes of the OpenAPI document. */
const DOCUMENTED_ADMIN = Object.entries(openApi.paths)
  .filter(([path]) => path.startsWith('/admin/'))
  .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
const WRITE_OPERATIONS = ADMIN_OPERATIONS.filter((op) => op.write);
const WITH_PATH_PARAMS = ADMIN_OPERATIONS.flatMap((op) => op.pathParams.map((param) => ({ ...op, param })));
const WITH_QUERY_PARAMS = ADMIN_OPERATIONS.flatMap((op) => op.queryParams.map((param) => ({ ...op, param })));
const WITH_BODY_FIELDS = ADMIN_OPERATIONS.flatMap((op) =>
  Object.entries(op.body?.schema.properties ?? {})
    .filter(([, schema]) => isText(schema))
    .map(([field, schema]) => ({ ...op, field, array: schema.type === 'array' })),
);

/** Test table rows named by route: `[label, op]`. */
function byLabel<T extends { label: string }>(ops: T[]): Array<[string, T]> {
  return ops.map((op) => [op.label, op]);
}

/** A string, or an array of strings: a field an injection string can go into. */
function isText(schema: Schema): boolean {
  return schema.type === 'string' || (schema.type === 'array' && schema.items?.type === 'string');
}

// ---------------------------------------------------------------------------------------------
// Hostile input

const SQL_INJECTION = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '"; DROP TABLE refresh_token; --',
  "'; DELETE FROM oauth_client; --",
  "' UNION SELECT client_secret_hash FROM oauth_client --",
  "\\'; UPDATE app_user SET disabled_at = NULL; --",
  '%27',
  '%27%20OR%201%3D1%20--',
  '\u2018 OR 1=1 --', // left single quotation mark
  '\u2019; DROP TABLE app_user; --', // right single quotation mark
  '\u02bc OR 1=1 --', // modifier letter apostrophe
  '\uff07 OR 1=1 --', // fullwidth apostrophe
  '\u201c OR 1=1 --', // left double quotation mark
  '\u0000',
  "a\u0000' OR 1=1 --",
];
const HEADER_INJECTION = [
  'x\r\nSet-Cookie: x=y',
  '\r\nSet-Cookie: x=y',
  'x\nX-Injected: 1',
  'x\rX-Injected: 1',
  '%0d%0aSet-Cookie:%20x=y',
  '%0AX-Injected:%201',
  // Code points whose low bytes are CR and LF: a header written as latin1 would break the line.
  '\u560d\u560aSet-Cookie: x=y',
];
const HOSTILE = [...SQL_INJECTION, ...HEADER_INJECTION];

/** The ways a value goes into a URL: fully percent-encoded, and with only what a URL cannot carry encoded. */
function encodings(value: string, inPath = false): string[] {
  const loose = lenient(value).replace(/[/?#&]/g, (c) => pct(c));
  return [...new Set([pct(value), inPath ? loose : lenient(value).replace(/[#&]/g, (c) => pct(c))])];
}

/** No header of the request's making in the answer, and none broken by a line end. */
function expectNoInjectedHeader(r: RawRequest, res: FuzzResponse): void {
  check(res.headers['x-injected'] === undefined, 'an X-Injected header was injected', r, res);
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  check(
    cookies.every((c) => /^as_(csrf|session)=/.test(c) && !/x=y/.test(c)),
    `a cookie was injected: ${cookies.join(' | ')}`,
    r,
    res,
  );
  for (const [name, value] of Object.entries(res.headers)) {
    const values = ([] as string[]).concat(value ?? []);
    check(
      values.every((v) => !/[\r\n]/.test(v)),
      `the ${name} header carries a line end`,
      r,
      res,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const WEB_REDIRECT = 'https://client.example/cb';
/** Owns refresh tokens that no request of this suite may touch. */
let owner: { id: string };
/** The user, client and refresh token path parameters name. */
let targetUser: { id: string };
let targetClient: { client_id: string; client_secret?: string };
let tokenId: string;
let ownerRefreshToken: string;
let confidential: { client_id: string; client_secret?: string };
let postClient: { client_id: string; client_secret?: string };
let introspector: { client_id: string; client_secret?: string };
let web: { client_id: string; client_secret?: string };
const webPkce = pkcePair();

let adminBearer: string;
let readerBearer: string;
let noAdminScopeBearer: string;
/** Credentials that must all be refused with 401 invalid_token. */
const invalid: Record<string, string> = {};

let guard: TableGuard;

beforeAll(async () => {
  owner = await t.createUser('sec-owner', 'sec-owner-password');
  targetUser = await t.createUser('sec-target', 'sec-target-password');
  confidential = await t.createClient({
    client_id: 'sec-confidential',
    grant_types: ['client_credentials', 'password', 'refresh_token'],
    scope: 'read write',
  });
  postClient = await t.createClient({
    client_id: 'sec-post',
    grant_types: ['client_credentials'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_post',
  });
  introspector = await t.createClient({
    client_id: 'sec-introspector',
    grant_types: ['client_credentials'],
    scope: 'read',
    introspection_allowed: true,
  });
  targetClient = await t.createClient({ client_id: 'sec-target-client', grant_types: ['client_credentials'] });
  web = await t.createClient({
    client_id: 'sec-web',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [WEB_REDIRECT],
    scope: 'read write',
  });
  const login = await t.token(
    { grant_type: 'password', username: 'sec-owner', password: 'sec-owner-password', scope: 'read' },
    basic(confidential),
  );
  expect(login.status).toBe(200);
  ownerRefreshToken = login.body.refresh_token;

  // Expired: minted, then the clock moves past its expiry. Every other token is minted after.
  const expired = await t.adminToken();
  const { exp, iat } = claimsOf(expired) as { exp: number; iat: number };
  t.clock.advance(exp - iat + 1);
  invalid.expired = expired;

  adminBearer = await t.adminToken();
  readerBearer = await t.adminToken('admin:read');
  const readOnly = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
  noAdminScopeBearer = (await t.token({ grant_type: 'client_credentials' }, basic(readOnly))).body.access_token;
  for (const token of [adminBearer, readerBearer, noAdminScopeBearer]) expect(token).toEqual(expect.any(String));

  // The right claims (those of a valid admin token), signed by a key this server never had.
  const claims = claimsOf(adminBearer);
  const { kid } = decodeProtectedHeader(adminBearer);
  expect(kid).toEqual(expect.any(String));
  const { privateKey } = await generateKeyPair('ES256');
  const forge = (header: Record<string, string>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey);
  invalid.foreignKeySameKid = await forge({ typ: 'at+jwt', kid: kid! });
  invalid.foreignKeyNoKid = await forge({ typ: 'at+jwt' });
  const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  invalid.algNone = `${b64url({ alg: 'none' })}.${b64url(claims)}.`;
  invalid.garbage = 'garbage';

  const listed = await send(t.http, {
    method: 'get',
    path: `/admin/refresh-tokens?subject=${owner.id}`,
    headers: { authorization: `Bearer ${adminBearer}` },
  });
  expect(listed.status).toBe(200);
  tokenId = listed.body.items[0].id;

  guard = new TableGuard(t);
  await guard.reset();
});

/** A plausible value for a path parameter: the fixture of the collection it stands in. */
function plausible(path: string, param: string): string {
  const collection = path.split('/')[path.split('/').indexOf(`{${param}}`) - 1];
  switch (collection) {
    case 'refresh-tokens':
      return tokenId;
    case 'clients':
      return targetClient.client_id;
    case 'users':
      return targetUser.id;
    default:
      return randomUUID();
  }
}

function fillPath(op: AdminOperation, values: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? pct(plausible(op.path, name)));
}

let unique = 0;
/** A valid body for a schema: its required fields with plausible values (the client one grant that needs nothing more). */
function plausibleBody(schema: Schema): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const field = schema.properties?.[name] ?? {};
    if (name === 'grant_types') body[name] = ['client_credentials'];
    else if (field.type === 'array') body[name] = [field.items?.enum?.[0] ?? `plausible-${++unique}`];
    else if (field.enum) body[name] = field.enum[0];
    else if (field.type === 'string') body[name] = `plausible-value-${++unique}`;
    else if (field.type === 'number' || field.type === 'integer') body[name] = 1;
    else if (field.type === 'boolean') body[name] = false;
  }
  return body;
}

function adminRequest(op: AdminOperation, authorization?: string, path = fillPath(op)): RawRequest {
  const body = op.body ? JSON.stringify(plausibleBody(op.body.schema)) : undefined;
  return {
    method: op.method,
    path,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body,
  };
}

// ---------------------------------------------------------------------------------------------

describe('security regression', () => {
  describe('the admin routes, enumerated from the app', () => {
    it('finds the admin routes the router serves, known ones among them, each documented in /docs-json', () => {
      expect(SERVED_ADMIN.length).toBeGreaterThan(10);
      expect(SERVED_ADMIN).toEqual(
        expect.arrayContaining([
          'GET /admin/refresh-tokens',
          'DELETE /admin/refresh-tokens/{id}',
          'POST /admin/clients',
          'PATCH /admin/clients/{client_id}',
          'PUT /admin/users/{id}/password',
          'GET /admin/audit-events',
        ]),
      );
      expect([...DOCUMENTED_ADMIN].sort()).toEqual([...SERVED_ADMIN].sort());
    });

    it('documents the admin scope on every write route and admin:read on every read route', () => {
      for (const label of DOCUMENTED_ADMIN) {
        const [method, path] = label.split(' ');
        const scope = openApi.paths[path][method.toLowerCase()].security?.[0]?.admin_oauth2;
        expect({ label, scope }).toEqual({ label, scope: [method === 'GET' ? 'admin:read' : 'admin'] });
      }
    });
  });

  describe('admin authentication and authorization (RFC 6750 3)', () => {
    afterEach(() => guard.expectUnchanged('a refused admin request'));

    /** A 401 or 403 in the admin shape, with its challenge, and nothing leaked. */
    function expectRefusal(r: RawRequest, res: FuzzResponse, status: 400 | 401 | 403, challenge: RegExp): void {
      expectSane(r, res);
      check(res.status === status, `status ${res.status}, expected ${status}`, r, res);
      expectAdminError(r, res);
      check(
        challenge.test(String(res.headers['www-authenticate'])),
        `WWW-Authenticate ${res.headers['www-authenticate']} does not match ${challenge}`,
        r,
        res,
      );
    }

    it.each(byLabel(ADMIN_OPERATIONS))('%s: 401 without an Authorization header', async (_, op) => {
      const r = adminRequest(op);
      expectRefusal(r, await send(t.http, r), 401, /^Bearer realm="admin"$/);
    });

    it.each(byLabel(ADMIN_OPERATIONS))(
      '%s: 401 invalid_token for an expired token, a foreign ES256 key (same kid, no kid), alg none, garbage',
      async (_, op) => {
        expect(Object.keys(invalid).sort()).toEqual([
          'algNone',
          'expired',
          'foreignKeyNoKid',
          'foreignKeySameKid',
          'garbage',
        ]);
        for (const token of Object.values(invalid)) {
          const r = adminRequest(op, `Bearer ${token}`);
          expectRefusal(r, await send(t.http, r), 401, /^Bearer realm="admin", error="invalid_token"/);
        }
      },
    );

    it.each(byLabel(ADMIN_OPERATIONS))(
      '%s: 401 with a bare challenge for the admin client credentials sent as Basic, and for schemes that are not Bearer (RFC 6750 3.1)',
      async (_, op) => {
        const headers = [
          `Basic ${b64(`${ADMIN_CLIENT_ID}:${ADMIN_CLIENT_SECRET}`)}`,
          `Basic ${adminBearer}`,
          adminBearer,
          'garbage',
        ];
        for (const authorization of headers) {
          const r = adminRequest(op, authorization);
          expectRefusal(r, await send(t.http, r), 401, /^Bearer realm="admin"$/);
        }
      },
    );

    it.each(byLabel(ADMIN_OPERATIONS))(
      '%s: 400 invalid_request for malformed Bearer credentials (RFC 6750 3.1)',
      async (_, op) => {
        for (const authorization of [`Bearer ${adminBearer} extra`, 'Bearer', `Bearer "${adminBearer}"`]) {
          const r = adminRequest(op, authorization);
          expectRefusal(r, await send(t.http, r), 400, /^Bearer realm="admin", error="invalid_request"/);
        }
      },
    );

    it.each(byLabel(ADMIN_OPERATIONS))(
      '%s: 403 insufficient_scope for a valid token of a client without an admin scope',
      async (_, op) => {
        const r = adminRequest(op, `Bearer ${noAdminScopeBearer}`);
        const challenge = new RegExp(`^Bearer realm="admin", error="insufficient_scope", scope="${op.scope}"$`);
        expectRefusal(r, await send(t.http, r), 403, challenge);
      },
    );

    it.each(byLabel(WRITE_OPERATIONS))('%s: 403 insufficient_scope for admin:read', async (_, op) => {
      const r = adminRequest(op, `Bearer ${readerBearer}`);
      expectRefusal(r, await send(t.http, r), 403, /^Bearer realm="admin", error="insufficient_scope", scope="admin"$/);
    });

    it.each(byLabel(ADMIN_OPERATIONS.filter((op) => !op.write)))(
      '%s: 200 for admin:read and admin tokens (the path parameters name what exists)',
      async (_, op) => {
        for (const bearer of [readerBearer, adminBearer]) {
          const r = adminRequest(op, `Bearer ${bearer}`);
          const res = await send(t.http, r);
          check(res.status === 200, `status ${res.status}`, r, res);
        }
      },
    );
  });

  describe('injection into the admin API', () => {
    const bearer = () => `Bearer ${adminBearer}`;

    /** A refused request: the admin error shape, and nothing stored changed. */
    function expectCleanRefusal(r: RawRequest, res: FuzzResponse): void {
      expectSane(r, res);
      expectNoInjectedHeader(r, res);
      check(res.status >= 400, `status ${res.status} for a hostile value`, r, res);
      expectAdminError(r, res);
    }

    it.each(WITH_PATH_PARAMS.map((op): [string, string, typeof op] => [op.label, op.param, op]))(
      '%s: hostile {%s} is a 400 or 404 and changes nothing',
      async (_, param, op) => {
        for (const value of HOSTILE) {
          for (const encoded of encodings(value, true)) {
            const r = adminRequest(op, bearer(), fillPath(op, { [param]: encoded }));
            const res = await send(t.http, r);
            expectCleanRefusal(r, res);
            check([400, 404].includes(res.status), `status ${res.status}`, r, res);
            await guard.expectUnchanged(r);
          }
        }
      },
    );

    it.each(WITH_QUERY_PARAMS.map((op): [string, string, typeof op] => [op.label, op.param, op]))(
      '%s?%s=hostile is a 400, or a 200 that lists nothing, and changes nothing',
      async (_, param, op) => {
        for (const value of HOSTILE) {
          for (const encoded of encodings(value)) {
            const r = adminRequest(op, bearer(), `${fillPath(op)}?${pct(param)}=${encoded}`);
            const res = await send(t.http, r);
            expectSane(r, res);
            expectNoInjectedHeader(r, res);
            if (res.status === 200) {
              // No stored row has a hostile value: a filter that matched any would be injectable.
              check(Array.isArray(res.body?.items) && res.body.items.length === 0, 'a hostile filter matched', r, res);
            } else {
              expectCleanRefusal(r, res);
              check(res.status === 400, `status ${res.status}`, r, res);
            }
            await guard.expectUnchanged(r);
          }
        }
      },
    );

    it.each(WITH_BODY_FIELDS.map((op): [string, string, typeof op] => [op.label, op.field, op]))(
      '%s with a hostile "%s": refused and unchanged, or stored verbatim on the target alone',
      async (_, field, op) => {
        for (const value of HOSTILE) {
          const body = { ...plausibleBody(op.body!.schema), [field]: op.array ? [value] : value };
          const r: RawRequest = {
            method: op.method,
            path: fillPath(op),
            headers: { authorization: bearer(), 'content-type': 'application/json' },
            body: JSON.stringify(body),
          };
          const res = await send(t.http, r);
          expectSane(r, res);
          expectNoInjectedHeader(r, res);
          if (res.status >= 400) {
            expectCleanRefusal(r, res);
            await guard.expectUnchanged(r);
            continue;
          }
          // Accepted: the value was data, stored as sent, and only the target's rows changed.
          if (typeof res.body?.[field] === 'string') check(res.body[field] === value, 'not stored verbatim', r, res);
          const owned = op.pathParams.map((p) => plausible(op.path, p));
          for (const key of ['id', 'client_id']) if (typeof res.body?.[key] === 'string') owned.push(res.body[key]);
          await expectOnlyRowsOf(owned, r, res);
        }
      },
    );

    /** After an accepted write: every changed row names one of the `owned` ids, and no row went away unreplaced. */
    async function expectOnlyRowsOf(owned: string[], r: RawRequest, res: FuzzResponse): Promise<void> {
      const tables = ['oauth_client', 'app_user', 'refresh_token_family', 'refresh_token'] as GuardedTable[];
      const changes = await guard.expectOnly(tables, r);
      for (const [table, change] of Object.entries(changes)) {
        const ownRow = (row: string) => owned.some((id) => row.includes(JSON.stringify(id)));
        check(
          [...change.added, ...change.removed].every(ownRow),
          `${table} rows of others changed: ${JSON.stringify(change)}`,
          r,
          res,
        );
        check(change.removed.length <= change.added.length, `${table} rows were deleted`, r, res);
      }
    }
  });

  describe('injection into the OAuth endpoints', () => {
    const FORM = 'application/x-www-form-urlencoded';
    const basicOf = (c: { client_id: string; client_secret?: string }) =>
      `Basic ${b64(`${pct(c.client_id)}:${pct(c.client_secret ?? '')}`)}`;

    const formProperties = (schema: string) => Object.keys(openApi.components.schemas[schema]?.properties ?? {});
    /** The documented form parameters of the token endpoint (every grant's). */
    const TOKEN_PARAMS = formProperties('TokenRequestForm');
    const TOKEN_FORM_PARAMS = formProperties('TokenForm');

    it('takes the form parameters from the OpenAPI document', () => {
      expect(TOKEN_PARAMS).toEqual(
        expect.arrayContaining([
          'grant_type',
          'refresh_token',
          'username',
          'client_id',
          'code',
          'redirect_uri',
          'code_verifier',
        ]),
      );
      expect(TOKEN_FORM_PARAMS).toEqual(expect.arrayContaining(['token', 'token_type_hint']));
    });

    /**
     * The request a parameter belongs in, with everything else right: the parameter then reaches
     * the code that reads it. Anything else goes into a client_credentials request (which never writes).
     */
    function tokenRequest(param: string): { form: Record<string, string>; authorization?: string } {
      const cc = { form: { grant_type: 'client_credentials' }, authorization: basicOf(confidential) };
      const post = { grant_type: 'client_credentials', client_id: postClient.client_id };
      switch (param) {
        case 'grant_type':
          return { form: {}, authorization: basicOf(confidential) };
        case 'username':
        case 'password':
          return {
            form: { grant_type: 'password', username: 'sec-owner', password: 'sec-owner-password' },
            authorization: basicOf(confidential),
          };
        case 'refresh_token':
          return { form: { grant_type: 'refresh_token' }, authorization: basicOf(confidential) };
        case 'code':
        case 'redirect_uri':
        case 'code_verifier':
          return {
            form: {
              grant_type: 'authorization_code',
              code: `asac_${'A'.repeat(43)}`,
              redirect_uri: WEB_REDIRECT,
              code_verifier: webPkce.verifier,
            },
            authorization: basicOf(web),
          };
        case 'client_id':
        case 'client_secret':
          return { form: { ...post, client_secret: postClient.client_secret! } };
        default:
          return cc;
      }
    }

    function revocationRequest(param: string, caller: { client_id: string; client_secret?: string }) {
      // An unknown token: a request that only a hostile parameter could make revoke anything.
      const form = { token: `asrt_${'B'.repeat(43)}` };
      if (param === 'client_id' || param === 'client_secret')
        return { form: { ...form, client_id: postClient.client_id, client_secret: postClient.client_secret! } };
      return { form, authorization: basicOf(caller) };
    }

    function formBody(form: Record<string, string>, encode: (s: string) => string): string {
      return Object.entries(form)
        .map(([k, v]) => `${pct(k)}=${encode(v)}`)
        .join('&');
    }

    async function sendForms(
      path: string,
      param: string,
      base: { form: Record<string, string>; authorization?: string },
      verify: (r: RawRequest, res: FuzzResponse) => void,
    ): Promise<void> {
      for (const value of HOSTILE) {
        for (const encode of [pct, (s: string) => lenient(s).replace(/[&#]/g, (c) => pct(c))]) {
          const r: RawRequest = {
            method: 'post',
            path,
            headers: { 'content-type': FORM, authorization: base.authorization },
            body: formBody({ ...base.form, [param]: value }, encode),
          };
          const res = await send(t.http, r);
          expectSane(r, res);
          expectNoInjectedHeader(r, res);
          check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
          verify(r, res);
          await guard.expectUnchanged(r);
        }
      }
    }

    it.each(TOKEN_PARAMS)('POST /oauth/token with a hostile %s: a 4xx (or a plain client_credentials 200)', (param) =>
      sendForms('/oauth/token', param, tokenRequest(param), (r, res) => {
        if (res.status !== 200) return expectOAuthError(r, res, [400, 401]);
        check(
          JSON.parse(Buffer.from(String(res.body.access_token).split('.')[1], 'base64url').toString()).client_id ===
            confidential.client_id && res.body.refresh_token === undefined,
          'a 200 that is not the base client_credentials answer',
          r,
          res,
        );
      }),
    );

    it.each(TOKEN_FORM_PARAMS)('POST /oauth/revoke with a hostile %s: revokes nothing', (param) =>
      sendForms('/oauth/revoke', param, revocationRequest(param, confidential), (r, res) => {
        if (res.status !== 200) expectOAuthError(r, res, [400, 401]);
      }),
    );

    it.each(TOKEN_FORM_PARAMS)('POST /oauth/introspect with a hostile %s: never an active token', (param) =>
      sendForms('/oauth/introspect', param, revocationRequest(param, introspector), (r, res) => {
        if (res.status !== 200) return expectOAuthError(r, res, [400, 401, 403]);
        check(JSON.stringify(res.body) === '{"active":false}', 'a hostile token is active', r, res);
      }),
    );

    it('leaves the refresh token of the owner working after all of it', async () => {
      const res = await t.token({ grant_type: 'refresh_token', refresh_token: ownerRefreshToken }, basic(confidential));
      expect(res.status).toBe(200);
      await guard.reset();
    });

    const AUTHORIZE_PARAMS = [
      'client_id',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
      'code_challenge',
      'code_challenge_method',
    ];

    it.each(AUTHORIZE_PARAMS)(
      'GET /oauth/authorize with a hostile %s: a page or a redirect to the registered URI, nothing injected',
      async (param) => {
        const base: Record<string, string> = {
          client_id: web.client_id,
          redirect_uri: WEB_REDIRECT,
          response_type: 'code',
          scope: 'read',
          state: 'xyz',
          code_challenge: webPkce.challenge,
          code_challenge_method: 'S256',
        };
        for (const value of HOSTILE) {
          for (const encoded of encodings(value)) {
            const query = Object.entries(base)
              .map(([k, v]) => `${k}=${k === param ? encoded : pct(v)}`)
              .join('&');
            const r: RawRequest = { method: 'get', path: `/oauth/authorize?${query}` };
            const res = await send(t.http, r);
            expectSane(r, res);
            expectNoInjectedHeader(r, res);
            check([200, 303, 400, 403].includes(res.status), `status ${res.status}`, r, res);
            if (res.status === 303) {
              const location = String(res.headers.location);
              check(location.startsWith(`${WEB_REDIRECT}?`), `redirect to ${location}`, r, res);
              check(
                new URL(location).searchParams.has('error'),
                'a redirect without a session that is not an error',
                r,
                res,
              );
            }
            await guard.expectUnchanged(r);
          }
        }
      },
    );
  });
});
