import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  AdminApi,
  ISO_TIME,
  type Credentials,
  TokenFlows,
  expectAdminError,
  expectNoSecrets,
} from './support/admin-api.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

jest.setTimeout(30_000);

/** Two sides of a replay, each with its address (X-Forwarded-For from the trusted loopback proxy) and agent. */
const RIGHTFUL = { address: '203.0.113.7', user_agent: 'RightfulApp/3.1 (Android 14)' };
const THIEF = { address: '198.51.100.23', user_agent: 'python-requests/2.32.3' };
type Origin = typeof RIGHTFUL;

const LINEAGE_FIELDS = [
  'client_id',
  'created_at',
  'dpop_jkt',
  'expires_at',
  'family_id',
  'replay',
  'revoked_at',
  'revoked_reason',
  'scope',
  'status',
  'subject',
  'tokens',
];

describe('GET /admin/refresh-token-families/{family_id}', () => {
  let t: TestApp;
  let reader: AdminApi;
  let flows: TokenFlows;
  let client: Credentials;
  let username: string;
  const PASSWORD = 'lineage-user-password';

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'loopback' } });
    reader = new AdminApi(t, 'admin:read');
    flows = new TokenFlows(t);
    client = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    username = `lineage-${randomUUID().slice(0, 8)}`;
    await t.createUser(username, PASSWORD);
  });
  afterAll(() => t.close());

  const tokenRequest = (form: Record<string, string>, from: Origin) =>
    t.token(form, basic(client)).set('X-Forwarded-For', from.address).set('User-Agent', from.user_agent);

  async function login(from: Origin): Promise<string> {
    const res = await tokenRequest({ grant_type: 'password', username, password: PASSWORD }, from);
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  }

  const refresh = (value: string, from: Origin) =>
    tokenRequest({ grant_type: 'refresh_token', refresh_token: value }, from);

  async function rotate(value: string, from: Origin): Promise<string> {
    const res = await refresh(value, from);
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  }

  /** The family's tokens as the admin list shows them, oldest first. */
  async function rowsOf(familyId: string): Promise<Array<Record<string, unknown>>> {
    const res = await reader.get('/admin/refresh-tokens', { family_id: familyId, limit: 500 });
    expect(res.status).toBe(200);
    expectNoSecrets(res);
    return (res.body.items as Array<Record<string, unknown>>).reverse();
  }

  const familyOf = async (value: string) => (await flows.row(value)).family_id;

  it('shows a replayed chain in issue order: where each token was used, the replay beside the rightful successor', async () => {
    const values = [await login(RIGHTFUL)];
    for (let i = 0; i < 3; i++) values.push(await rotate(values[i], RIGHTFUL));
    const replay = await refresh(values[0], THIEF);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the refresh token was already used; the grant has been revoked',
    });
    const familyId = await familyOf(values[0]);
    const ids = await Promise.all(values.map(async (v) => (await flows.row(v)).id));
    expect((await rowsOf(familyId)).map((r) => r.id)).toEqual(ids);

    const res = await reader.get(`/admin/refresh-token-families/${familyId}`);
    expect(res.status).toBe(200);
    expectNoSecrets(res, values);
    const body = res.body;
    expect(Object.keys(body).sort()).toEqual(LINEAGE_FIELDS);
    expect(body).toMatchObject({
      family_id: familyId,
      client_id: client.client_id,
      scope: 'read',
      status: 'revoked',
      revoked_reason: 'replay_detected',
      dpop_jkt: null,
    });
    for (const field of ['created_at', 'expires_at', 'revoked_at']) expect(body[field]).toMatch(ISO_TIME);

    const tokens = body.tokens as Array<Record<string, unknown>>;
    expect(tokens.map((tk) => tk.id)).toEqual(ids);
    expect(tokens.map((tk) => tk.parent_id)).toEqual([null, ids[0], ids[1], ids[2]]);
    expect(tokens.map((tk) => tk.used_from)).toEqual([RIGHTFUL, RIGHTFUL, RIGHTFUL, null]);
    for (const [i, tk] of tokens.entries()) {
      expect(Object.keys(tk).sort()).toEqual([
        'expires_at',
        'id',
        'issued_at',
        'parent_id',
        'revoked_at',
        'revoked_reason',
        'status',
        'used_at',
        'used_from',
      ]);
      expect(tk).toMatchObject({ status: 'revoked', revoked_reason: 'replay_detected', revoked_at: body.revoked_at });
      expect(tk.used_at === null).toBe(i === 3);
      if (i > 0)
        expect(Date.parse(tk.issued_at as string)).toBeGreaterThanOrEqual(
          Date.parse(tokens[i - 1].issued_at as string),
        );
    }

    expect(body.replay).toEqual({
      token_id: ids[0],
      presented_at: body.revoked_at,
      address: THIEF.address,
      user_agent: THIEF.user_agent,
      successor: {
        id: ids[1],
        used_at: tokens[1].used_at,
        address: RIGHTFUL.address,
        user_agent: RIGHTFUL.user_agent,
      },
    });
  });

  it('shows a live family as active with no replay, each rotated token with where it was used', async () => {
    const first = await login(RIGHTFUL);
    const familyId = await familyOf(first);
    const second = await rotate(first, THIEF);
    const res = await reader.get(`/admin/refresh-token-families/${familyId}`);
    expect(res.status).toBe(200);
    expectNoSecrets(res, [first, second]);
    expect(res.body).toMatchObject({ status: 'active', revoked_at: null, revoked_reason: null, replay: null });
    expect(res.body.tokens.map((tk: Record<string, unknown>) => [tk.status, tk.used_from])).toEqual([
      ['rotated', THIEF],
      ['active', null],
    ]);
  });

  it('links every listed token to its family as family_url', async () => {
    const first = await login(RIGHTFUL);
    await rotate(first, RIGHTFUL);
    const familyId = await familyOf(first);
    const rows = await rowsOf(familyId);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.family_url).toBe(`/admin/refresh-token-families/${familyId}`);
    const one = await reader.get(`/admin/refresh-tokens/${rows[0].id as string}`);
    expect(one.body.family_url).toBe(`/admin/refresh-token-families/${familyId}`);
    const followed = await reader.get(rows[0].family_url as string);
    expect(followed.status).toBe(200);
    expect(followed.body.family_id).toBe(familyId);
  });

  it('answers 404 for an unknown family and 400 for a malformed id, in the admin error shape', async () => {
    expectAdminError(await reader.get(`/admin/refresh-token-families/${randomUUID()}`), 404);
    for (const bad of ['not-a-uuid', '1234', `${randomUUID()}x`])
      expectAdminError(await reader.get(`/admin/refresh-token-families/${bad}`), 400);
  });

  it('answers 401 without a token and 403 for a token without admin:read', async () => {
    const path = `/admin/refresh-token-families/${randomUUID()}`;
    const anonymous = await request(t.http).get(path);
    expectAdminError(anonymous, 401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="admin"');
    const plain = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
    const token = (await t.token({ grant_type: 'client_credentials' }, basic(plain))).body.access_token as string;
    const forbidden = await request(t.http).get(path).set('Authorization', `Bearer ${token}`);
    expectAdminError(forbidden, 403);
  });
});
