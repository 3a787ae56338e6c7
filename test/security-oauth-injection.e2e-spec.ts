/**
 * Security regression: injection into the OAuth endpoints. SQL- and header-injection strings in the
 * form parameters of the token, revocation and introspection endpoints and in the query of the
 * authorization endpoint never cause a 5xx, a leak, an injected response header or a change of
 * stored data beyond what the request may do.
 *
 * Requests go out byte for byte through support/fuzz-http.ts; stored data is compared in full
 * through support/fuzz-snapshot.ts; the app, its enumerated admin routes, the hostile strings and
 * the fixtures are set up by support/security-regression.ts.
 */
import { jest } from '@jest/globals';
import { b64, lenient, pct } from './support/fuzz-arbitraries.js';
import { type FuzzResponse, type RawRequest, check, expectOAuthError, expectSane, send } from './support/fuzz-http.js';
import { basic } from './support/test-app.js';
import { AUTHORIZE_PARAMS } from './support/authorization-flow.js';
import {
  t,
  openApi,
  HOSTILE,
  encodings,
  expectNoInjectedHeader,
  WEB_REDIRECT,
  ownerRefreshToken,
  confidential,
  postClient,
  introspector,
  web,
  webPkce,
  guard,
  device,
} from './support/security-regression.js';

jest.setTimeout(180_000);

describe('security regression', () => {
  describe('injection into the OAuth endpoints', () => {
    const FORM = 'application/x-www-form-urlencoded';
    const basicOf = (c: { client_id: string; client_secret?: string }) =>
      `Basic ${b64(`${pct(c.client_id)}:${pct(c.client_secret ?? '')}`)}`;

    const formProperties = (schema: string) => Object.keys(openApi.components.schemas[schema]?.properties ?? {});
    /** The documented form parameters of the token endpoint (every grant's). */
    const TOKEN_PARAMS = formProperties('TokenRequestForm');
    const TOKEN_FORM_PARAMS = formProperties('TokenForm');
    const DEVICE_AUTHORIZATION_PARAMS = formProperties('DeviceAuthorizationForm');

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
      expect(TOKEN_PARAMS).toContain('device_code');
      expect(DEVICE_AUTHORIZATION_PARAMS).toEqual(expect.arrayContaining(['scope', 'client_id']));
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
        case 'device_code':
          return {
            form: {
              grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
              client_id: device.client_id,
              device_code: `asdc_${'A'.repeat(43)}`,
            },
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

    // Every documented parameter is client authentication or a scope the client does not hold: none succeeds.
    it.each(DEVICE_AUTHORIZATION_PARAMS)(
      'POST /oauth/device_authorization with a hostile %s: a 4xx, nothing stored',
      (param) =>
        sendForms('/oauth/device_authorization', param, { form: { client_id: device.client_id } }, (r, res) =>
          expectOAuthError(r, res, [400, 401]),
        ),
    );

    it('leaves the refresh token of the owner working after all of it', async () => {
      const res = await t.token({ grant_type: 'refresh_token', refresh_token: ownerRefreshToken }, basic(confidential));
      expect(res.status).toBe(200);
      await guard.reset();
    });

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
