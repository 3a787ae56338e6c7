/**
 * Security regression: admin authentication and authorization. The admin routes are enumerated
 * from the app itself (the Express router, checked against the OpenAPI document at /docs-json), so
 * a route added later is covered without touching this file: every admin route refuses a missing,
 * expired, foreign-key, alg-none, Basic or garbage credential with 401, a token without an admin
 * scope with 403, and an admin:read token on a write route with 403, each in the admin error shape
 * with its WWW-Authenticate challenge.
 *
 * Requests go out byte for byte through support/fuzz-http.ts; stored data is compared in full
 * through support/fuzz-snapshot.ts; the app, its enumerated admin routes, the hostile strings and
 * the fixtures are set up by support/security-regression.ts.
 */
import { jest } from '@jest/globals';
import { b64 } from './support/fuzz-arbitraries.js';
import { type FuzzResponse, type RawRequest, check, expectAdminError, expectSane, send } from './support/fuzz-http.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET } from './support/test-app.js';
import {
  t,
  openApi,
  SERVED_ADMIN,
  ADMIN_OPERATIONS,
  DOCUMENTED_ADMIN,
  WRITE_OPERATIONS,
  byLabel,
  adminBearer,
  readerBearer,
  noAdminScopeBearer,
  invalid,
  guard,
  adminRequest,
} from './support/security-regression.js';

jest.setTimeout(180_000);

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
});
