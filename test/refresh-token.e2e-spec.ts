import { DataSource } from 'typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashSecret, refreshTokenKey } from '#oauth';
import { RefreshTokenRepository } from '#persistence';
import { holdRotationRace } from './support/lookup-barrier.js';
import { TEST_DIALECT } from './support/test-database.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

describe('refresh_token grant (RFC 6749 6, RFC 9700 4.14)', () => {
  let t: TestApp;
  let client: { client_id: string; client_secret?: string };
  let user: { id: string };

  beforeAll(async () => {
    t = await startTestApp();
    client = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write profile' });
    user = await t.createUser('alice', 'correct horse battery staple');
  });
  afterAll(() => t.close());

  async function firstRefreshToken(scope = 'read write', owner = client): Promise<string> {
    const res = await t.token(
      { grant_type: 'password', username: 'alice', password: 'correct horse battery staple', scope },
      basic(owner),
    );
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  }

  function refresh(refreshToken: string, extra: Record<string, string> = {}, owner = client) {
    return t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, basic(owner));
  }

  async function rowsOf(refreshToken: string) {
    const ds = t.app.get(DataSource);
    const [token] = await ds.query(
      'SELECT id, family_id, revoked_at, revoked_reason, used_at FROM refresh_token WHERE token_hash = $1'.replace(
        '$1',
        ds.options.type === 'postgres' ? '$1' : '?',
      ),
      [hashSecret(refreshToken)],
    );
    return token as {
      id: string;
      family_id: string;
      revoked_at: unknown;
      revoked_reason: string | null;
      used_at: unknown;
    };
  }

  it('issues a new access token and a rotated refresh token with the RFC 6749 5.1 shape', async () => {
    const rt = await firstRefreshToken();
    const res = await refresh(rt);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject(NO_STORE);
    expect(Object.keys(res.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'read write' });
    // asrt_, the row's id (22 characters), 256 random bits (43 characters)
    expect(res.body.refresh_token).toMatch(/^asrt_[A-Za-z0-9_-]{65}$/);
    expect(res.body.refresh_token).not.toBe(rt);
    const [oldRow, newRow] = [await rowsOf(rt), await rowsOf(res.body.refresh_token)];
    expect(oldRow.used_at).not.toBeNull();
    expect(newRow.family_id).toBe(oldRow.family_id);
    expect(refreshTokenKey(res.body.refresh_token)).toEqual({
      id: newRow.id,
      hash: hashSecret(res.body.refresh_token),
    });
  });

  it('stores only the SHA-256 of a refresh token, never its value', async () => {
    const rt = await firstRefreshToken();
    const ds = t.app.get(DataSource);
    const dump = JSON.stringify(await ds.query('SELECT * FROM refresh_token'));
    expect(dump).not.toContain(rt);
    expect(dump).not.toContain(rt.slice(5));
    expect(dump).toContain(hashSecret(rt));
  });

  it('chains: each successor works once and the next one works after it', async () => {
    let rt = await firstRefreshToken();
    for (let i = 0; i < 3; i++) {
      const res = await refresh(rt);
      expect(res.status).toBe(200);
      rt = res.body.refresh_token;
    }
  });

  it('revokes the whole family, newest token included, when a rotated token is replayed', async () => {
    const first = await firstRefreshToken();
    const second = (await refresh(first)).body.refresh_token as string;
    const replay = await refresh(first);
    expect(replay.status).toBe(400);
    expect(replay.headers).toMatchObject(NO_STORE);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    const newest = await refresh(second);
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    expect((await rowsOf(second)).revoked_reason).toBe('replay_detected');
  });

  it('records the reuse detection as an audit event', async () => {
    const first = await firstRefreshToken();
    await refresh(first);
    await refresh(first);
    const { family_id } = await rowsOf(first);
    const events = await t.app
      .get(DataSource)
      .query(`SELECT actor, action, target_type FROM audit_event WHERE target_id = '${family_id}'`);
    expect(events).toEqual([
      {
        actor: `client:${client.client_id}`,
        action: 'refresh_token.reuse_detected',
        target_type: 'refresh_token_family',
      },
    ]);
  });

  it('lets exactly one of 50 concurrent refreshes of one token succeed', async () => {
    const rt = await firstRefreshToken();
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(rt)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(49);
    const { family_id } = await rowsOf(rt);
    const successors = await t.app
      .get(DataSource)
      .query(`SELECT id FROM refresh_token WHERE family_id = '${family_id}'`);
    expect(successors).toHaveLength(2);
  });

  it('lets exactly one succeed even when all 50 requests read the unused token before any rotates', async () => {
    const rt = await firstRefreshToken();
    const race = await holdRotationRace(rt, 50, [t]);
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(rt)));
    // Every request (SQLite), or every rotation statement the instance runs at once (PostgreSQL),
    // read the token unused and then raced.
    expect(race.expected).toBeGreaterThanOrEqual(TEST_DIALECT === 'sqlite' ? 50 : 5);
    expect(await race.release()).toBeGreaterThanOrEqual(race.expected);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(49);
  });

  it('rotates a token at most once when the repository is called 50 times at once', async () => {
    const rt = await firstRefreshToken();
    const repository = t.app.get(RefreshTokenRepository);
    const token = (await repository.find(refreshTokenKey(rt)!))!;
    const attempts = Array.from({ length: 50 }, () =>
      repository.rotate(token.id, Date.now(), {
        id: randomUUID(),
        family_id: token.family_id,
        parent_id: token.id,
        client_id: token.family_client_id,
        subject: token.family_subject,
        token_hash: randomBytes(32).toString('hex'),
        scope: token.scope,
        issued_at: Date.now(),
        expires_at: Date.now() + 60000,
      }),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const rows = await t.app.get(DataSource).query(`SELECT id FROM refresh_token WHERE parent_id = '${token.id}'`);
    expect(rows).toHaveLength(1);
  });

  it('narrows the access token scope on request while the family keeps its ceiling', async () => {
    const rt = await firstRefreshToken('read write');
    const narrow = await refresh(rt, { scope: 'read' });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('read');
    const back = await refresh(narrow.body.refresh_token);
    expect(back.status).toBe(200);
    expect(back.body.scope).toBe('read write');
  });

  it('refuses a scope wider than the one originally granted with invalid_scope, and the token stays usable', async () => {
    const rt = await firstRefreshToken('read');
    const wide = await refresh(rt, { scope: 'read write' });
    expect(wide.status).toBe(400);
    expect(wide.body).toEqual({ error: 'invalid_scope', error_description: expect.stringContaining('write') });
    expect((await refresh(rt)).status).toBe(200);
  });

  it('refuses a malformed scope with invalid_scope', async () => {
    const rt = await firstRefreshToken('read');
    const res = await refresh(rt, { scope: 'read "quoted"' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('binds a refresh token to its client: another client gets invalid_grant and the token is untouched', async () => {
    const other = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    const rt = await firstRefreshToken();
    const stolen = await refresh(rt, {}, other);
    expect(stolen.status).toBe(400);
    expect(stolen.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token is invalid' });
    expect((await rowsOf(rt)).used_at).toBeNull();
    expect((await refresh(rt)).status).toBe(200);
  });

  it.each([
    ['an unknown token', 'asrt_' + 'A'.repeat(43)],
    ['a garbage token', 'not-a-token'],
    ['a very long token', 'asrt_' + 'x'.repeat(600)],
    ['a token with control characters', 'asrt_\u0000\u0001'],
  ])('answers invalid_grant for %s', async (_, value) => {
    const res = await refresh(value);
    expect(res.body.error).toBe(value.length > 512 ? 'invalid_request' : 'invalid_grant');
    expect(res.status).toBe(400);
    expect(res.headers).toMatchObject(NO_STORE);
  });

  it('answers invalid_request when refresh_token is missing', async () => {
    const res = await t.token({ grant_type: 'refresh_token' }, basic(client));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'refresh_token is required' });
  });

  it('expires a token left unused past its idle lifetime', async () => {
    const idle = await t.createClient({
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
      refresh_token_idle_lifetime: 3600,
    });
    const rt = await firstRefreshToken('read', idle);
    t.clock.advance(3599);
    const fresh = await refresh(rt, {}, idle);
    expect(fresh.status).toBe(200);
    t.clock.advance(3600);
    const res = await refresh(fresh.body.refresh_token, {}, idle);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token has expired' });
  });

  it('ends the family at its absolute lifetime, however recently it was rotated', async () => {
    const abs = await t.createClient({
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
      refresh_token_idle_lifetime: 3600,
      refresh_token_absolute_lifetime: 7200,
    });
    let rt = await firstRefreshToken('read', abs);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(2000);
      const res = await refresh(rt, {}, abs);
      expect(res.status).toBe(200);
      rt = res.body.refresh_token;
    }
    t.clock.advance(1201);
    const res = await refresh(rt, {}, abs);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toBe('the refresh token has expired');
  });

  it('refuses a token whose family was revoked', async () => {
    const rt = await firstRefreshToken();
    const ds = t.app.get(DataSource);
    const { family_id } = await rowsOf(rt);
    await ds.query(`UPDATE refresh_token_family SET revoked_at = 1 WHERE id = '${family_id}'`);
    const res = await refresh(rt);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token has been revoked' });
  });

  it('answers a retry inside the reuse interval with a fresh successor instead of revoking', async () => {
    const lenient = await t.createClient({
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
      refresh_token_reuse_interval: 30,
    });
    const rt = await firstRefreshToken('read', lenient);
    const first = await refresh(rt, {}, lenient);
    t.clock.advance(10);
    const retry = await refresh(rt, {}, lenient);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).not.toBe(first.body.refresh_token);
    // The retry's successor replaced the first one: the family keeps one live token.
    expect((await refresh(retry.body.refresh_token, {}, lenient)).status).toBe(200);
    t.clock.advance(30);
    const late = await refresh(rt, {}, lenient);
    expect(late.status).toBe(400);
    expect((await refresh(retry.body.refresh_token, {}, lenient)).body.error).toBe('invalid_grant');
  });

  it('keeps the same refresh token for a client that turned rotation off, sliding its idle expiry', async () => {
    const steady = await t.createClient({
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
      refresh_token_rotation: false,
      refresh_token_idle_lifetime: 3600,
    });
    const rt = await firstRefreshToken('read', steady);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(3000);
      const res = await refresh(rt, {}, steady);
      expect(res.status).toBe(200);
      expect(res.body.refresh_token).toBeUndefined();
      expect(res.body.access_token).toEqual(expect.any(String));
    }
  });

  it('is unauthorized_client for a client not registered for refresh_token', async () => {
    const noRefresh = await t.createClient({ grant_types: ['password'], scope: 'read' });
    const res = await t.token(
      { grant_type: 'refresh_token', refresh_token: 'asrt_' + 'A'.repeat(43) },
      basic(noRefresh),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('issues no refresh token from the password grant to a client without refresh_token', async () => {
    const noRefresh = await t.createClient({ grant_types: ['password'], scope: 'read' });
    const res = await t.token(
      { grant_type: 'password', username: 'alice', password: 'correct horse battery staple' },
      basic(noRefresh),
    );
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.scope).toBe('read');
  });

  it('gives the access token the family as sid and the user as sub', async () => {
    const rt = await firstRefreshToken();
    const res = await refresh(rt);
    const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe(user.id);
    expect(claims.sid).toBe((await rowsOf(rt)).family_id);
  });
});
