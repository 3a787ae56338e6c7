import { DataSource } from 'typeorm';
import request from 'supertest';
import { randomBytes } from 'node:crypto';
import { SecretPrefix, hashSecret, mintSecret, refreshTokenKey, timeOrderedId } from '#oauth';
import { TEST_DIALECT, type TestDatabase, createTestDatabase } from './support/test-database.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

type Client = { client_id: string; client_secret?: string };

const sql = (text: string) => (TEST_DIALECT === 'postgres' ? text : text.replace(/\$\d+/g, '?'));
const DAY = 86_400_000;
/** The row id a token of the current shape carries. */
const idOf = (value: string) => (refreshTokenKey(value) as { id: string }).id;

/** The app of a suite and its two clients: one that refreshes, one that introspects. */
interface Suite {
  t: TestApp;
  client: Client;
  resourceServer: Client;
}

async function registerClients(app: TestApp): Promise<Pick<Suite, 'client' | 'resourceServer'>> {
  return {
    client: await app.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' }),
    resourceServer: await app.createClient({
      grant_types: ['client_credentials'],
      scope: '',
      introspection_allowed: true,
    }),
  };
}

/** The grant, introspection and revocation of a suite's app. */
function endpoints(s: Suite) {
  return {
    refresh: (refreshToken: string, owner = s.client) =>
      s.t.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, basic(owner)),
    introspect: (token: string) =>
      request(s.t.http)
        .post('/oauth/introspect')
        .type('form')
        .auth(s.resourceServer.client_id, s.resourceServer.client_secret!)
        .send({ token }),
    revoke: (token: string) =>
      request(s.t.http)
        .post('/oauth/revoke')
        .type('form')
        .auth(s.client.client_id, s.client.client_secret!)
        .send({ token }),
    query: (text: string, params: unknown[] = []) => s.t.app.get(DataSource).query(sql(text), params),
  };
}

/**
 * A refresh token carries its row's id (asrt_ + id + secret): the row is found by primary key and
 * the hash of the whole value must match. The id alone, or an id with another token's secret, must
 * be worth nothing: not a token, not a replay, not a revocation.
 */
describe('refresh tokens found by the row id they carry', () => {
  const s = {} as Suite;
  const e = endpoints(s);

  beforeAll(async () => {
    s.t = await startTestApp();
    Object.assign(s, await registerClients(s.t));
    await s.t.createUser('ines', 'ines-password-1');
  });
  afterAll(() => s.t.close());

  async function firstRefreshToken(): Promise<string> {
    const res = await s.t.token(
      { grant_type: 'password', username: 'ines', password: 'ines-password-1', scope: 'read' },
      basic(s.client),
    );
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  }

  const forge = (value: string) => value.slice(0, 27) + randomBytes(32).toString('base64url');
  const rowOf = async (value: string) =>
    (await e.query('SELECT used_at, revoked_at, family_id FROM refresh_token WHERE id = $1', [idOf(value)]))[0];
  const familyRevokedAt = async (familyId: string) =>
    (await e.query('SELECT revoked_at FROM refresh_token_family WHERE id = $1', [familyId]))[0].revoked_at;

  it('refuses a live token id with a wrong secret as invalid_grant and leaves that token untouched', async () => {
    const rt = await firstRefreshToken();
    const res = await e.refresh(forge(rt));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token is invalid' });
    expect(await rowOf(rt)).toMatchObject({ used_at: null, revoked_at: null });
    expect((await e.refresh(rt)).status).toBe(200);
  });

  it('does not take a forged copy of a rotated token for a replay: the family lives on', async () => {
    const rt = await firstRefreshToken();
    const next = (await e.refresh(rt)).body.refresh_token as string;
    const res = await e.refresh(forge(rt));
    expect(res.status).toBe(400);
    expect(res.body.error_description).toBe('the refresh token is invalid');
    const { family_id } = await rowOf(rt);
    expect(await familyRevokedAt(family_id)).toBeNull();
    const after = await e.refresh(next);
    expect(after.status).toBe(200);
    // The real rotated token, presented again, still is a replay.
    const replay = await e.refresh(rt);
    expect(replay.body.error_description).toBe('the refresh token was already used; the grant has been revoked');
    expect(await familyRevokedAt(family_id)).not.toBeNull();
  });

  it("refuses one token's secret under another token's id", async () => {
    const [a, b] = [await firstRefreshToken(), await firstRefreshToken()];
    expect((await e.refresh(a.slice(0, 27) + b.slice(27))).status).toBe(400);
    expect((await e.refresh(b.slice(0, 27) + a.slice(27))).status).toBe(400);
    expect((await e.refresh(a)).status).toBe(200);
    expect((await e.refresh(b)).status).toBe(200);
  });

  it('introspects a forged token as inactive and revokes nothing with it (RFC 7662, RFC 7009)', async () => {
    const rt = await firstRefreshToken();
    expect((await e.introspect(forge(rt))).body).toEqual({ active: false });
    expect((await e.revoke(forge(rt))).status).toBe(200);
    expect(await rowOf(rt)).toMatchObject({ revoked_at: null });
    expect((await e.introspect(rt)).body).toMatchObject({ active: true, token_type: 'refresh_token' });
    expect((await e.refresh(rt)).status).toBe(200);
  });

  it('refuses a well-formed token naming no row', async () => {
    const id = Buffer.from(timeOrderedId(Date.now()).replace(/-/g, ''), 'hex').toString('base64url');
    const res = await e.refresh(`asrt_${id}${randomBytes(32).toString('base64url')}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

/**
 * Tokens handed out before the value carried the row id (`asrt_` + 43 characters) keep working: an
 * upgrade logs nobody out, and a replayed old token still revokes its family. On SQLite they are found
 * by the hash that migration 1764600000000 copies to legacy_token_hash; PostgreSQL finds every token
 * by its hash anyway. The suite undoes that migration on a live database, stores tokens as the
 * previous version did, and starts the app again, which migrates.
 */
describe('refresh tokens issued before the value carried the row id', () => {
  let database: TestDatabase;
  const s = {} as Suite;
  const e = endpoints(s);
  const legacy = { live: '', rotated: '', rotatedFamily: '', liveFamily: '' };

  beforeAll(async () => {
    database = await createTestDatabase();
    const before = await startTestApp({ database });
    Object.assign(s, await registerClients(before));
    const user = await before.createUser('jonas', 'jonas-password-1');
    const ds = before.app.get(DataSource);
    // Back to before 1764600000000, undoing the migrations that came after it first.
    const applied = async () => (await ds.query('SELECT name FROM migrations')) as Array<{ name: string }>;
    while ((await applied()).some((m) => m.name.endsWith('1764600000000')))
      await ds.undoLastMigration({ transaction: 'all' });
    const q = (text: string, params: unknown[]) => ds.query(sql(text), params);
    const now = Date.now();
    const store = async (familyId: string, value: string, parentId: string | null, usedAt: number | null) => {
      const id = timeOrderedId(now);
      await q(
        `INSERT INTO refresh_token (id, family_id, parent_id, client_id, subject, token_hash, scope, issued_at, expires_at, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'read', $7, $8, $9)`,
        [id, familyId, parentId, s.client.client_id, user.id, hashSecret(value), now, now + DAY, usedAt],
      );
      return id;
    };
    for (const kind of ['live', 'rotated'] as const) {
      const familyId = timeOrderedId(now);
      await q(
        `INSERT INTO refresh_token_family (id, client_id, subject, scope, created_at, expires_at)
         VALUES ($1, $2, $3, 'read', $4, $5)`,
        [familyId, s.client.client_id, user.id, now, now + 30 * DAY],
      );
      const first = mintSecret(SecretPrefix.RefreshToken).value;
      const firstId = await store(familyId, first, null, kind === 'rotated' ? now : null);
      if (kind === 'live') {
        legacy.live = first;
        legacy.liveFamily = familyId;
      } else {
        // rotated before the upgrade: its successor is the family's live token
        legacy.rotated = first;
        legacy.rotatedFamily = familyId;
        await store(familyId, mintSecret(SecretPrefix.RefreshToken).value, firstId, null);
      }
    }
    await before.close();
    s.t = await startTestApp({ database });
  });
  afterAll(async () => {
    await s.t.close();
    await database.drop();
  });

  it('on SQLite copies the hash of every token stored before the migration into legacy_token_hash', async () => {
    const rows = await e.query('SELECT token_hash, legacy_token_hash FROM refresh_token');
    expect(rows).toHaveLength(3);
    // PostgreSQL keeps its unique index over token_hash and leaves the column unused.
    for (const row of rows) expect(row.legacy_token_hash).toBe(TEST_DIALECT === 'sqlite' ? row.token_hash : null);
  });

  it('introspects an old token as active', async () => {
    expect((await e.introspect(legacy.live)).body).toMatchObject({ active: true, token_type: 'refresh_token' });
  });

  it('refreshes an old token into a successor that carries its row id and has no legacy hash', async () => {
    const res = await e.refresh(legacy.live);
    expect(res.status).toBe(200);
    const successor = res.body.refresh_token as string;
    expect(successor).toMatch(/^asrt_[A-Za-z0-9_-]{65}$/);
    const [row] = await e.query('SELECT family_id, legacy_token_hash FROM refresh_token WHERE id = $1', [
      idOf(successor),
    ]);
    expect(row).toEqual({ family_id: legacy.liveFamily, legacy_token_hash: null });
    expect((await e.refresh(successor)).status).toBe(200);
  });

  it('revokes the family of an old token rotated before the upgrade and presented again', async () => {
    const res = await e.refresh(legacy.rotated);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toBe('the refresh token was already used; the grant has been revoked');
    const [family] = await e.query('SELECT revoked_at, revoked_reason FROM refresh_token_family WHERE id = $1', [
      legacy.rotatedFamily,
    ]);
    expect(family.revoked_at).not.toBeNull();
    expect(family.revoked_reason).toBe('replay_detected');
  });

  it('refuses an unknown token of the old shape', async () => {
    const res = await e.refresh(mintSecret(SecretPrefix.RefreshToken).value);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});
