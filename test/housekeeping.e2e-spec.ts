import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '#config';
import { HousekeepingService } from '../apps/authorization-server/src/housekeeping/housekeeping.service.js';
import { Browser, codeRequest } from './support/authorization-flow.js';
import { basic, startTestApp } from './support/test-app.js';

const RETENTION = 7 * 24 * 3600; // the default HOUSEKEEPING_RETENTION
const CALLBACK = 'https://app.example/cb';
const USERNAME = 'hazel';
const PASSWORD = 'hazel-password-1';
type Client = { client_id: string; client_secret?: string };

/** Everything a housekeeping test needs: clients of both lifetimes, a user, and helpers on the real endpoints. */
async function setUp(env: Record<string, string> = {}) {
  const t = await startTestApp({ env: { HOUSEKEEPING_INTERVAL: '0', HOUSEKEEPING_BATCH_SIZE: '2', ...env } });
  // Families of this client end 60 seconds after they start.
  const shortLived = await t.createClient({
    grant_types: ['password', 'refresh_token'],
    scope: 'read',
    refresh_token_absolute_lifetime: 60,
    refresh_token_idle_lifetime: 60,
  });
  const longLived = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
  const codeClient = await t.createClient({
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'read',
    token_endpoint_auth_method: 'none',
    redirect_uris: [CALLBACK],
  });
  const deviceClient = await t.createClient({
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    scope: 'read',
    token_endpoint_auth_method: 'none',
  });
  await t.createUser(USERNAME, PASSWORD);
  const ds = t.app.get(DataSource);

  /** A device authorization (RFC 8628 3.1), living DEVICE_CODE_LIFETIME (600 s). */
  async function deviceAuthorization(): Promise<void> {
    const res = await request(t.http)
      .post('/oauth/device_authorization')
      .type('form')
      .send({ client_id: deviceClient.client_id });
    expect(res.status).toBe(200);
  }

  /** A new family by the password grant: its refresh token and its id (the access token's `sid`). */
  async function newFamily(client: Client): Promise<{ refreshToken: string; familyId: string }> {
    const res = await t.token({ grant_type: 'password', username: USERNAME, password: PASSWORD }, basic(client));
    expect(res.status).toBe(200);
    return { refreshToken: res.body.refresh_token, familyId: sidOf(res.body.access_token) };
  }

  function refresh(client: Client, refreshToken: string) {
    return t.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, basic(client));
  }

  async function rotate(client: Client, refreshToken: string): Promise<string> {
    const res = await refresh(client, refreshToken);
    expect(res.status).toBe(200);
    return res.body.refresh_token;
  }

  /** An authorization code from the browser (signing in and consenting when it has to). */
  async function code(browser: Browser): Promise<{ code: string; verifier: string }> {
    const { path, pkce } = codeRequest({ client_id: codeClient.client_id, redirect_uri: CALLBACK, scope: 'read' });
    const location = await browser.authorize(path, USERNAME, PASSWORD);
    return { code: location.searchParams.get('code')!, verifier: pkce.verifier };
  }

  async function exchange(c: { code: string; verifier: string }) {
    const res = await t.token({
      grant_type: 'authorization_code',
      code: c.code,
      code_verifier: c.verifier,
      redirect_uri: CALLBACK,
      client_id: codeClient.client_id,
    });
    expect(res.status).toBe(200);
    return { refreshToken: res.body.refresh_token as string, familyId: sidOf(res.body.access_token) };
  }

  async function count(table: string): Promise<number> {
    const [row] = await ds.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(row.n);
  }

  async function ids(sql: string): Promise<string[]> {
    return ((await ds.query(sql)) as { id: string }[]).map((r) => r.id).sort();
  }

  return {
    t,
    shortLived,
    longLived,
    codeClient,
    ds,
    newFamily,
    refresh,
    rotate,
    code,
    exchange,
    deviceAuthorization,
    count,
    ids,
    housekeeping: t.app.get(HousekeepingService),
  };
}

function sidOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;
}

describe('housekeeping: deleting expired rows in batches', () => {
  it('deletes exactly the families, codes and sessions past retention; live tokens still refresh and replay is still detected', async () => {
    const s = await setUp();
    const { t } = s;
    const logged: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
    try {
      // Two device authorizations that expire at t0 (they live 600 s).
      await s.deviceAuthorization();
      await s.deviceAuthorization();
      t.clock.advance(600);
      // t0: what will be past retention at the end.
      const oldExpired = [];
      for (let i = 0; i < 3; i++) oldExpired.push(await s.newFamily(s.shortLived));
      await s.rotate(s.shortLived, oldExpired[0].refreshToken); // a second token in a family that goes
      const oldRevoked = await s.newFamily(s.longLived);
      const revoked = await request(t.http)
        .post('/oauth/revoke')
        .type('form')
        .auth(s.longLived.client_id, s.longLived.client_secret!)
        .send({ token: oldRevoked.refreshToken });
      expect(revoked.status).toBe(200);
      // A long-lived family rotated twice: its rotated tokens stay for replay detection.
      const live = await s.newFamily(s.longLived);
      const liveSecond = await s.rotate(s.longLived, live.refreshToken);
      const liveThird = await s.rotate(s.longLived, liveSecond);
      // Three codes (one exchanged, two never) and two login sessions.
      const browser1 = new Browser(t.http);
      const fromCode = await s.exchange(await s.code(browser1));
      await s.code(browser1);
      await s.code(new Browser(t.http));

      // Shortly before the retention of the t0 rows ends: what must be kept.
      t.clock.advance(RETENTION - 100);
      const recentlyExpired = await s.newFamily(s.shortLived);
      const recentlyRevoked = await s.newFamily(s.longLived);
      const recentlyRevokedSecond = await s.rotate(s.longLived, recentlyRevoked.refreshToken);
      const replay = await s.refresh(s.longLived, recentlyRevoked.refreshToken);
      expect(replay.body.error_description).toBe('the refresh token was already used; the grant has been revoked');
      await s.code(new Browser(t.http)); // a code expiring in 60 s and a session of 8 hours
      await s.deviceAuthorization(); // expiring in 600 s

      // t1: the t0 families ended (expiry t0 + 60 s, revocation t0) more than RETENTION ago; the recent
      // family expired 160 s ago and the recent code 160 s ago, both within retention.
      t.clock.advance(220);
      const auditEvents = await s.count('audit_event');
      expect(auditEvents).toBeGreaterThanOrEqual(2);
      const tokensBefore = await s.count('refresh_token');

      const result = await s.housekeeping.runOnce();

      expect(result).toEqual({ families: 4, codes: 3, sessions: 2, deviceAuthorizations: 2 });
      expect(await s.ids('SELECT id FROM refresh_token_family')).toEqual(
        [live.familyId, fromCode.familyId, recentlyExpired.familyId, recentlyRevoked.familyId].sort(),
      );
      // The deleted families' five tokens went with them (ON DELETE CASCADE); the others stay, rotated ones too.
      expect(await s.count('refresh_token')).toBe(tokensBefore - 5);
      expect(await s.count(`refresh_token WHERE family_id NOT IN (SELECT id FROM refresh_token_family)`)).toBe(0);
      expect(await s.count(`refresh_token WHERE family_id = '${live.familyId}'`)).toBe(3);
      expect(await s.count('authorization_code')).toBe(1);
      expect(await s.count('login_session')).toBe(1);
      expect(await s.count('device_authorization')).toBe(1);
      // The audit trail is kept, including the events about deleted families.
      expect(await s.count('audit_event')).toBe(auditEvents);
      expect(await s.count(`audit_event WHERE target_id = '${oldRevoked.familyId}'`)).toBe(1);

      // One log line per run, with the counts and no id.
      const lines = logged.filter((l) => l.startsWith('housekeeping:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /deleted 4 refresh-token families .*3 authorization codes, 2 login sessions, 2 device authorizations/,
      );
      expect(lines[0]).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);

      // Nothing more to delete.
      expect(await s.housekeeping.runOnce()).toEqual({ families: 0, codes: 0, sessions: 0, deviceAuthorizations: 0 });

      // Live families still refresh.
      expect((await s.refresh(s.longLived, liveThird)).status).toBe(200);
      const codeFamily = await t.token({
        grant_type: 'refresh_token',
        refresh_token: fromCode.refreshToken,
        client_id: s.codeClient.client_id,
      });
      expect(codeFamily.status).toBe(200);
      // A deleted family's token is simply unknown.
      expect((await s.refresh(s.shortLived, oldExpired[1].refreshToken)).body).toMatchObject({
        error: 'invalid_grant',
      });
      // The revoked family within retention still answers "revoked".
      expect((await s.refresh(s.longLived, recentlyRevokedSecond)).body).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token has been revoked',
      });
      // Replay of a rotated token of a live family is still detected: the family is revoked and audited.
      const stolen = await s.refresh(s.longLived, live.refreshToken);
      expect(stolen.status).toBe(400);
      expect(stolen.body.error_description).toBe('the refresh token was already used; the grant has been revoked');
      const [family] = await s.ds.query(
        `SELECT revoked_reason FROM refresh_token_family WHERE id = '${live.familyId}'`,
      );
      expect(family.revoked_reason).toBe('replay_detected');
      expect(
        await s.count(`audit_event WHERE target_id = '${live.familyId}' AND action = 'refresh_token.reuse_detected'`),
      ).toBe(1);
    } finally {
      spy.mockRestore();
      await t.close();
    }
  });

  it('deletes each row once when two runs go at the same time', async () => {
    const s = await setUp();
    try {
      for (let i = 0; i < 7; i++) {
        const family = await s.newFamily(s.shortLived);
        await s.rotate(s.shortLived, family.refreshToken);
      }
      const browsers = [new Browser(s.t.http), new Browser(s.t.http), new Browser(s.t.http)];
      for (const browser of browsers) for (let i = 0; i < 2; i++) await s.code(browser);
      const live = await s.newFamily(s.longLived);
      s.t.clock.advance(RETENTION + 120);

      const runs = await Promise.all([s.housekeeping.runOnce(), s.housekeeping.runOnce()]);

      const total = (key: 'families' | 'codes' | 'sessions') => runs[0][key] + runs[1][key];
      expect({ families: total('families'), codes: total('codes'), sessions: total('sessions') }).toEqual({
        families: 7,
        codes: 6,
        sessions: 3,
      });
      expect(await s.ids('SELECT id FROM refresh_token_family')).toEqual([live.familyId]);
      expect(await s.count('refresh_token')).toBe(1);
      expect(await s.count('authorization_code')).toBe(0);
      expect(await s.count('login_session')).toBe(0);
      expect(await s.housekeeping.runOnce()).toEqual({ families: 0, codes: 0, sessions: 0, deviceAuthorizations: 0 });
      expect((await s.refresh(s.longLived, live.refreshToken)).status).toBe(200);
    } finally {
      await s.t.close();
    }
  });

  it('runs on its own every HOUSEKEEPING_INTERVAL seconds', async () => {
    const s = await setUp({ HOUSEKEEPING_INTERVAL: '1' });
    try {
      await s.newFamily(s.shortLived);
      s.t.clock.advance(RETENTION + 120);
      const deadline = Date.now() + 10_000;
      while ((await s.count('refresh_token_family')) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await s.count('refresh_token_family')).toBe(0);
    } finally {
      await s.t.close();
    }
  });

  it('validates its settings', () => {
    const defaults = validateEnvironment({});
    expect([defaults.HOUSEKEEPING_INTERVAL, defaults.HOUSEKEEPING_RETENTION, defaults.HOUSEKEEPING_BATCH_SIZE]).toEqual(
      [3600, 604800, 1000],
    );
    expect(validateEnvironment({ HOUSEKEEPING_INTERVAL: '0' }).HOUSEKEEPING_INTERVAL).toBe(0);
    for (const [name, value] of [
      ['HOUSEKEEPING_INTERVAL', '-1'],
      ['HOUSEKEEPING_INTERVAL', 'hourly'],
      ['HOUSEKEEPING_RETENTION', '1.5'],
      ['HOUSEKEEPING_BATCH_SIZE', '0'],
    ]) {
      expect(() => validateEnvironment({ [name]: value })).toThrow(name);
    }
  });
});
