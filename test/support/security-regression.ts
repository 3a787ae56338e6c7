/**
 * The security regression files' shared setup (security-*.e2e-spec.ts): one app per file, the admin
 * routes enumerated from it and its OpenAPI document, the hostile strings, and the fixtures every
 * request of those files may name.
 */
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import type express from 'express';
import { randomUUID } from 'node:crypto';
import { claimsOf } from './admin-api.js';
import { pkcePair } from './authorization-flow.js';
import { lenient, pct } from './fuzz-arbitraries.js';
import { type FuzzResponse, type Method, type RawRequest, check, send } from './fuzz-http.js';
import { TableGuard } from './fuzz-snapshot.js';
import { type TestApp, basic, startTestApp } from './test-app.js';

// ---------------------------------------------------------------------------------------------
// The routes, from the running app

export interface Schema {
  type?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  minLength?: number;
}
export interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Array<Record<string, string[]>>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export interface AdminOperation {
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
export const t = await startTestApp({ env: { LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000' } });
afterAll(() => t.close());

/** What Express serves: every route of the router, as `METHOD /path/{param}`. */
export function servedRoutes(app: TestApp['app']): string[] {
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

export const openApi = (await send(t.http, { method: 'get', path: '/docs-json' })).body as OpenApiDocument;
export const SERVED_ADMIN = servedRoutes(t.app).filter((r) => / \/admin\//.test(r));

export function resolve(schema: Schema): { name: string; schema: Schema } {
  const name = schema.$ref?.split('/').pop() ?? 'inline';
  return { name, schema: schema.$ref ? openApi.components.schemas[name] : schema };
}

/** Every admin route the router serves, with what its OpenAPI operation says about it (a route left undocumented is still tested). */
export const ADMIN_OPERATIONS: AdminOperation[] = SERVED_ADMIN.map((label) => {
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
export const DOCUMENTED_ADMIN = Object.entries(openApi.paths)
  .filter(([path]) => path.startsWith('/admin/'))
  .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
export const WRITE_OPERATIONS = ADMIN_OPERATIONS.filter((op) => op.write);
export const WITH_PATH_PARAMS = ADMIN_OPERATIONS.flatMap((op) => op.pathParams.map((param) => ({ ...op, param })));
export const WITH_QUERY_PARAMS = ADMIN_OPERATIONS.flatMap((op) => op.queryParams.map((param) => ({ ...op, param })));
export const WITH_BODY_FIELDS = ADMIN_OPERATIONS.flatMap((op) =>
  Object.entries(op.body?.schema.properties ?? {})
    .filter(([, schema]) => isText(schema))
    .map(([field, schema]) => ({ ...op, field, array: schema.type === 'array' })),
);

/** Test table rows named by route: `[label, op]`. */
export function byLabel<T extends { label: string }>(ops: T[]): Array<[string, T]> {
  return ops.map((op) => [op.label, op]);
}

/** A string, or an array of strings: a field an injection string can go into. */
export function isText(schema: Schema): boolean {
  return schema.type === 'string' || (schema.type === 'array' && schema.items?.type === 'string');
}

// ---------------------------------------------------------------------------------------------
// Hostile input

export const SQL_INJECTION = [
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
export const HEADER_INJECTION = [
  'x\r\nSet-Cookie: x=y',
  '\r\nSet-Cookie: x=y',
  'x\nX-Injected: 1',
  'x\rX-Injected: 1',
  '%0d%0aSet-Cookie:%20x=y',
  '%0AX-Injected:%201',
  // Code points whose low bytes are CR and LF: a header written as latin1 would break the line.
  '\u560d\u560aSet-Cookie: x=y',
];
export const HOSTILE = [...SQL_INJECTION, ...HEADER_INJECTION];

/** The ways a value goes into a URL: fully percent-encoded, and with only what a URL cannot carry encoded. */
export function encodings(value: string, inPath = false): string[] {
  const loose = lenient(value).replace(/[/?#&]/g, (c) => pct(c));
  return [...new Set([pct(value), inPath ? loose : lenient(value).replace(/[#&]/g, (c) => pct(c))])];
}

/** No header of the request's making in the answer, and none broken by a line end. */
export function expectNoInjectedHeader(r: RawRequest, res: FuzzResponse): void {
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

export const WEB_REDIRECT = 'https://client.example/cb';
/** Owns refresh tokens that no request of this suite may touch. */
export let owner: { id: string };
/** The user, client and refresh token path parameters name. */
export let targetUser: { id: string };
export let targetClient: { client_id: string; client_secret?: string };
export let tokenId: string;
/** The family of that refresh token, for /admin/refresh-token-families/{family_id}. */
export let familyId: string;
/** A security event, for the routes under /admin/security-events. */
export let securityEventId: string;
export let ownerRefreshToken: string;
export let confidential: { client_id: string; client_secret?: string };
export let postClient: { client_id: string; client_secret?: string };
export let introspector: { client_id: string; client_secret?: string };
export let web: { client_id: string; client_secret?: string };
/** A public client of the device authorization grant (RFC 8628). */
export let device: { client_id: string };
export const webPkce = pkcePair();

export let adminBearer: string;
export let readerBearer: string;
export let noAdminScopeBearer: string;
/** Credentials that must all be refused with 401 invalid_token. */
export const invalid: Record<string, string> = {};

export let guard: TableGuard;

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
  device = await t.createClient({
    client_id: 'sec-device',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    scope: 'read',
    token_endpoint_auth_method: 'none',
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
  familyId = listed.body.items[0].family_id;

  // A client whose secret rotation queues a security event (its receiver refuses connections).
  const watched = await t.createClient({
    client_id: 'sec-watched',
    grant_types: ['client_credentials'],
    security_event_endpoint: 'https://127.0.0.1:1/events',
  });
  await send(t.http, {
    method: 'post',
    path: `/admin/clients/${watched.client_id}/secret`,
    headers: { authorization: `Bearer ${adminBearer}` },
  });
  const events = await send(t.http, {
    method: 'get',
    path: `/admin/security-events?client_id=${watched.client_id}`,
    headers: { authorization: `Bearer ${adminBearer}` },
  });
  expect(events.body.items).toHaveLength(1);
  securityEventId = events.body.items[0].id;

  guard = new TableGuard(t);
  await guard.reset();
});

/** A plausible value for a path parameter: the fixture of the collection it stands in. */
export function plausible(path: string, param: string): string {
  const collection = path.split('/')[path.split('/').indexOf(`{${param}}`) - 1];
  switch (collection) {
    case 'refresh-tokens':
      return tokenId;
    case 'refresh-token-families':
      return familyId;
    case 'clients':
      return targetClient.client_id;
    case 'users':
      return targetUser.id;
    case 'security-events':
      return securityEventId;
    default:
      return randomUUID();
  }
}

export function fillPath(op: AdminOperation, values: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? pct(plausible(op.path, name)));
}

export let unique = 0;
/** A valid body for a schema: its required fields with plausible values (the client one grant that needs nothing more). */
export function plausibleBody(schema: Schema): Record<string, unknown> {
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

export function adminRequest(op: AdminOperation, authorization?: string, path = fillPath(op)): RawRequest {
  const body = op.body ? JSON.stringify(plausibleBody(op.body.schema)) : undefined;
  return {
    method: op.method,
    path,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body,
  };
}

// ---------------------------------------------------------------------------------------------
