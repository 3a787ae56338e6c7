/**
 * Property-based fuzzing of the token, revocation and introspection endpoints of the real app (fast-check): thousands of malformed and
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
  authorization,
  contentType,
  formString,
  jwtLike,
  pct,
  rawBody,
  secretShaped,
  text,
  value,
} from './support/fuzz-arbitraries.js';
import { type RawRequest, check, expectOAuthError, expectSane, printStats, send } from './support/fuzz-http.js';
import { TableGuard } from './support/fuzz-snapshot.js';
import { type TestApp, ADMIN_CLIENT_ID, ISSUER, basic, startTestApp } from './support/test-app.js';
import { runs, TIMEOUT, type Client, FORM, basicHeader, parseFormLike } from './support/fuzz-setup.js';

/** A form POST to the token endpoint, with an Authorization header when given one. */
const tokenPost = (body: string, authorization: string | undefined): RawRequest => ({
  method: 'post',
  path: '/oauth/token',
  headers: { 'content-type': FORM, authorization },
  body,
});

describe('fuzz: token, revocation and introspection endpoints', () => {
  let t: TestApp;
  let guard: TableGuard;
  let confidential: Client;
  let postClient: Client;
  let publicClient: Client;
  let introspector: Client;
  let owner: Client;
  let adminBearer: string;
  let kid: string | undefined;
  /** Real tokens that none of the fuzzed callers own. */
  let foreignTokens: string[];
  /** A client_credentials access token of `confidential` (its own, without a family). */
  let ownAccessToken: string;

  beforeAll(async () => {
    // Rate limiting on (per address before client authentication, per client after it), with limits
    // the fuzzer never reaches.
    t = await startTestApp({
      env: {
        RATE_LIMITS: 'on',
        RATE_LIMIT_TOKEN_PER_CLIENT: '1000000',
        RATE_LIMIT_TOKEN_PER_ADDRESS: '1000000',
        // The password grant shares the sign-in throttle, whose refusals are audited (a write).
        LOGIN_MAX_FAILURES: '1000',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
      },
    });
    confidential = await t.createClient({
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      scope: 'read write',
    });
    postClient = await t.createClient({
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'client_secret_post',
    });
    publicClient = await t.createClient({
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://client.example/cb'],
    });
    introspector = await t.createClient({
      grant_types: ['client_credentials'],
      scope: 'read',
      introspection_allowed: true,
    });
    owner = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    await t.createUser('alice', 'alice-password-123');
    const issued = await t.token(
      { grant_type: 'password', username: 'alice', password: 'alice-password-123', scope: 'read' },
      basic(owner),
    );
    expect(issued.status).toBe(200);
    foreignTokens = [issued.body.refresh_token, issued.body.access_token];
    ownAccessToken = (await t.token({ grant_type: 'client_credentials' }, basic(confidential))).body.access_token;
    adminBearer = await t.adminToken();
    kid = (await request(t.http).get('/.well-known/jwks.json')).body.keys?.[0]?.kid;
    guard = new TableGuard(t);
    await guard.reset();
  });
  afterAll(async () => {
    printStats();
    await t.close();
  });

  const GRANT_NAMES = [
    'grant_type',
    'scope',
    'client_id',
    'client_secret',
    'username',
    'password',
    'refresh_token',
    'code',
    'redirect_uri',
    'code_verifier',
    'token',
    'token_type_hint',
  ];

  /** Values that mean something here, mixed with hostile text. */
  function grantValue(withForeignTokens: boolean): fc.Arbitrary<string> {
    return fc.oneof(
      { weight: 6, arbitrary: value() },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'client_credentials',
          'password',
          'refresh_token',
          'authorization_code',
          'urn:ietf:params:oauth:grant-type:jwt-bearer',
          'implicit',
          'CLIENT_CREDENTIALS',
          'read',
          'write',
          'read write',
          'write read',
          'admin',
          'offline_access',
          'read  write',
          ' read',
          'read\twrite',
          'alice',
          'access_token',
          'refresh_token',
          'S256',
          ISSUER,
          'https://client.example/cb',
        ),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          confidential.client_id,
          postClient.client_id,
          publicClient.client_id,
          introspector.client_id,
          owner.client_id,
          ADMIN_CLIENT_ID,
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom('asrt_', 'asac_', 'ascs_').chain(secretShaped) },
      { weight: 1, arbitrary: jwtLike({ kid, issuer: ISSUER, clientId: ADMIN_CLIENT_ID }) },
      ...(withForeignTokens ? [{ weight: 1, arbitrary: fc.constantFrom(...foreignTokens, ownAccessToken) }] : []),
    );
  }

  /** Authorization headers that never authenticate: garbage, wrong secrets of real clients, forged bearers. */
  function badAuthorization(): fc.Arbitrary<string | undefined> {
    const realIds = [confidential, introspector, owner, { client_id: ADMIN_CLIENT_ID }];
    return authorization([
      fc
        .tuple(fc.constantFrom(...realIds), fc.oneof(text(40), secretShaped('ascs_')))
        .map(([c, secret]) => basicHeader({ client_id: c.client_id, client_secret: secret || 'x' })),
      jwtLike({ kid, issuer: ISSUER, clientId: ADMIN_CLIENT_ID }).map((jwt) => `Bearer ${jwt}`),
    ]);
  }

  const ENDPOINTS = {
    '/oauth/token': [400, 401, 413],
    // RFC 7009 2.2: a public client identified by client_id alone may revoke; unknown tokens are 200.
    '/oauth/revoke': [200, 400, 401, 413],
    '/oauth/introspect': [400, 401, 403, 413],
    // RFC 8628 3.1: no client of this suite is registered for the device grant, so nothing is ever issued.
    '/oauth/device_authorization': [400, 401, 413],
  } as const;

  for (const [path, statuses] of Object.entries(ENDPOINTS)) {
    it(
      `POST ${path}: arbitrary bodies, content types and Authorization headers are refused cleanly and change nothing`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            rawBody(formString(GRANT_NAMES, grantValue(path !== '/oauth/introspect'))),
            contentType,
            badAuthorization(),
            fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined, freq: 2 }),
            async (body, type, auth, chunkSize) => {
              const r: RawRequest = {
                method: 'post',
                path,
                headers: { 'content-type': type, authorization: auth },
                body,
                chunkSize,
              };
              const res = await send(t.http, r);
              expectSane(r, res);
              if (res.status === 200) {
                check(path === '/oauth/revoke', 'only revocation may answer 200 here', r, res);
                check(res.text === '' || res.text === undefined, 'revocation answers an empty body', r, res);
                check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
              } else {
                expectOAuthError(r, res, statuses);
              }
              await guard.expectUnchanged(r);
            },
          ),
          runs(path === '/oauth/token' ? 400 : 250),
        );
      },
      TIMEOUT,
    );
  }

  /** Valid client authentication, as headers plus form fields to append. */
  function validAuth(clients: Client[]): fc.Arbitrary<{ client: Client; header?: string; fields: string }> {
    return fc.constantFrom(...clients).map((client) => {
      if (client === postClient)
        return {
          client,
          fields: `client_id=${pct(client.client_id)}&client_secret=${pct(client.client_secret!)}`,
        };
      if (client === publicClient) return { client, fields: `client_id=${pct(client.client_id)}` };
      return { client, header: basicHeader(client), fields: '' };
    });
  }

  /** The scope each fuzzed client is registered with. */
  const scopeOf = (c: Client): string[] => (c === confidential ? ['read', 'write'] : ['read']);

  it(
    'POST /oauth/token: valid client credentials with random grant parameters never write, and only client_credentials succeeds',
    async () => {
      const grantForm = fc
        .tuple(
          fc.constantFrom('client_credentials', 'password', 'refresh_token', 'authorization_code', 'token', ''),
          formString(GRANT_NAMES.slice(1), grantValue(true), 6),
        )
        .map(([grant, rest]) => [grant === '' ? '' : `grant_type=${grant}`, rest].filter(Boolean).join('&'));
      await fc.assert(
        fc.asyncProperty(
          validAuth([confidential, postClient, publicClient, introspector]),
          grantForm,
          async (auth, form) => {
            const body = [form, auth.fields].filter(Boolean).join('&');
            const r = tokenPost(body, auth.header);
            const res = await send(t.http, r);
            expectSane(r, res);
            check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
            if (res.status === 200) {
              const params = parseFormLike(body);
              check(
                params?.grant_type === 'client_credentials',
                '200 for a grant other than client_credentials',
                r,
                res,
              );
              check(
                Object.keys(res.body).sort().join() === 'access_token,expires_in,scope,token_type' &&
                  res.body.token_type === 'Bearer',
                'not an RFC 6749 5.1 answer without refresh token',
                r,
                res,
              );
              const granted = String(res.body.scope).split(' ').filter(Boolean);
              check(
                granted.every((s) => scopeOf(auth.client).includes(s)),
                `granted scope ${res.body.scope} beyond the client's`,
                r,
                res,
              );
            } else {
              expectOAuthError(r, res, [400, 401, 413]);
            }
            await guard.expectUnchanged(r);
          },
        ),
        runs(300),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /oauth/token: client_credentials with a random allowed scope answers 200 and writes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          validAuth([confidential, postClient, introspector]),
          fc.option(fc.shuffledSubarray(['read', 'write'], { minLength: 1 }), { nil: undefined }),
          async (auth, scope) => {
            const allowed = scope?.filter((s) => scopeOf(auth.client).includes(s));
            const body = [
              'grant_type=client_credentials',
              allowed && allowed.length > 0 ? `scope=${pct(allowed.join(' '))}` : '',
              auth.fields,
            ]
              .filter(Boolean)
              .join('&');
            const r = tokenPost(body, auth.header);
            const res = await send(t.http, r);
            check(res.status === 200, 'an allowed client_credentials request was refused', r, res);
            check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
            await guard.expectUnchanged(r);
          },
        ),
        runs(100),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /oauth/revoke: valid client credentials with random token parameters never revoke what the caller does not own',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          validAuth([confidential, postClient, publicClient]),
          formString(['token', 'token_type_hint', 'client_id', 'scope'], grantValue(true), 5),
          async (auth, form) => {
            const r: RawRequest = {
              method: 'post',
              path: '/oauth/revoke',
              headers: { 'content-type': FORM, authorization: auth.header },
              body: [form, auth.fields].filter(Boolean).join('&'),
            };
            const res = await send(t.http, r);
            expectSane(r, res);
            if (res.status !== 200) expectOAuthError(r, res, [400, 401, 413]);
            else check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
            await guard.expectUnchanged(r);
          },
        ),
        runs(250),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /oauth/introspect: an allowed caller with random token parameters gets {"active":false} or a 400',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(basicHeader(introspector), `Bearer ${adminBearer}`),
          formString(['token', 'token_type_hint', 'client_id', 'scope'], grantValue(false), 5),
          async (auth, form) => {
            const r: RawRequest = {
              method: 'post',
              path: '/oauth/introspect',
              headers: { 'content-type': FORM, authorization: auth },
              body: form,
            };
            const res = await send(t.http, r);
            expectSane(r, res);
            if (res.status === 200) {
              check(JSON.stringify(res.body) === '{"active":false}', 'a random token is active', r, res);
              check(res.headers['cache-control'] === 'no-store', 'Cache-Control is not no-store', r, res);
            } else {
              expectOAuthError(r, res, [400, 413]);
            }
            await guard.expectUnchanged(r);
          },
        ),
        runs(250),
      );
    },
    TIMEOUT,
  );

  it('answers an Authorization header beyond 16 KB with 431 from Node and stays up', async () => {
    const r = tokenPost('grant_type=client_credentials', `Basic ${'A'.repeat(20_000)}`);
    const res = await send(t.http, r);
    expect(res.status).toBe(431);
    expect((await t.token({ grant_type: 'client_credentials' }, basic(confidential))).status).toBe(200);
    await guard.expectUnchanged(r);
  });
});
