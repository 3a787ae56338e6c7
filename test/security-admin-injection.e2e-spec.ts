/**
 * Security regression: injection into the admin API. SQL- and header-injection strings in every
 * path parameter, documented query parameter and string body field of the admin routes (enumerated
 * from the app, so a route added later is covered) never cause a 5xx, a leak, an injected response
 * header or a change of stored data beyond what the request may do.
 *
 * Requests go out byte for byte through support/fuzz-http.ts; stored data is compared in full
 * through support/fuzz-snapshot.ts; the app, its enumerated admin routes, the hostile strings and
 * the fixtures are set up by support/security-regression.ts.
 */
import { jest } from '@jest/globals';
import { pct } from './support/fuzz-arbitraries.js';
import { type FuzzResponse, type RawRequest, check, expectAdminError, expectSane, send } from './support/fuzz-http.js';
import { type GuardedTable } from './support/fuzz-snapshot.js';
import {
  t,
  plausibleBody,
  WITH_PATH_PARAMS,
  WITH_QUERY_PARAMS,
  WITH_BODY_FIELDS,
  HOSTILE,
  encodings,
  expectNoInjectedHeader,
  adminBearer,
  guard,
  plausible,
  fillPath,
  adminRequest,
} from './support/security-regression.js';

jest.setTimeout(180_000);

describe('security regression', () => {
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
});
