import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { hashSecret, refreshTokenKey, timeOrderedId } from '#oauth';
import {
  DatabaseHandle,
  type PresentedRotation,
  MAX_ROTATION_BATCH,
  RefreshTokenRepository,
  type SuccessorDraft,
} from '#persistence';
import { TEST_DIALECT } from './support/test-database.js';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

/**
 * Rotations that reach the repository in one turn of the event loop: PostgreSQL sends them as one
 * statement (PostgresRotationBatch), SQLite commits them in one transaction (SqliteWriteBatch).
 * Each must come out exactly as if it had run alone.
 */
describe('refresh-token rotations in one batch', () => {
  let t: TestApp;
  let repository: RefreshTokenRepository;
  let client: { client_id: string; client_secret?: string };
  let other: { client_id: string; client_secret?: string };
  const HOUR = 3_600_000;

  beforeAll(async () => {
    t = await startTestApp();
    repository = t.app.get(RefreshTokenRepository);
    client = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    other = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    await t.createUser('bruno', 'bruno-password-1');
  });
  afterAll(() => t.close());

  async function refreshTokens(n: number, owner = client): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const res = await t.token(
        { grant_type: 'password', username: 'bruno', password: 'bruno-password-1', scope: 'read' },
        basic(owner),
      );
      expect(res.status).toBe(200);
      out.push(res.body.refresh_token as string);
    }
    return out;
  }

  function draft(owner = client, id = timeOrderedId(Date.now())): SuccessorDraft {
    return {
      id,
      client_id: owner.client_id,
      token_hash: hashSecret(randomBytes(32).toString('base64url')),
      idle_expires_at: Date.now() + HOUR,
    };
  }

  const keyOf = (value: string) => refreshTokenKey(value)!;

  const sql = (text: string) => (TEST_DIALECT === 'postgres' ? text : text.replace(/\$\d+/g, '?'));
  const query = (text: string, params: unknown[]) => t.app.get(DataSource).query(sql(text), params);

  /** Counts the statements the driver's pool runs (PostgreSQL), by prepared-statement name. */
  function countStatements(): { counts: Map<string, number>; undo: () => void } {
    const pool = t.app.get(DatabaseHandle).pool;
    const original = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    const counts = new Map<string, number>();
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const name = (args[0] as { name?: string }).name ?? '(unnamed)';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return original(...args);
    };
    return { counts, undo: () => ((pool as unknown as { query: unknown }).query = original) };
  }

  it('rotates a token once when 50 rotations of it arrive in one turn, and every one reads it', async () => {
    const [rt] = await refreshTokens(1);
    const now = Date.now();
    const drafts = Array.from({ length: 50 }, () => draft());
    const outcomes = await Promise.all(drafts.map((d) => repository.rotatePresented(keyOf(rt), now, d)));
    expect(outcomes.filter((o) => o.rotated)).toHaveLength(1);
    expect(outcomes.every((o) => o.token?.used_at === null)).toBe(true);
    const winner = drafts[outcomes.findIndex((o) => o.rotated)];
    const children = await query('SELECT id, token_hash FROM refresh_token WHERE parent_id = $1', [
      outcomes[0].token!.id,
    ]);
    expect(children).toEqual([{ id: winner.id, token_hash: winner.token_hash }]);
  });

  it('rotates each of many tokens presented in one turn into its own successor, as alone', async () => {
    const tokens = await refreshTokens(12);
    const foreign = (await refreshTokens(1, other))[0];
    const now = Date.now();
    const drafts = tokens.map(() => draft());
    const unknown = { id: timeOrderedId(now), hash: hashSecret(randomBytes(32).toString('base64url')) };
    // a live token's id with the hash of another value: finds nothing, and leaves that token alone
    const victim = (await refreshTokens(1))[0];
    const forged = { ...keyOf(victim), hash: hashSecret(randomBytes(32).toString('base64url')) };
    const [outcomes, missing, wrongClient, forgery] = await Promise.all([
      Promise.all(tokens.map((rt, i) => repository.rotatePresented(keyOf(rt), now, drafts[i]))),
      repository.rotatePresented(unknown, now, draft()),
      repository.rotatePresented(keyOf(foreign), now, draft()),
      repository.rotatePresented(forged, now, draft()),
    ]);
    expect(outcomes.every((o: PresentedRotation) => o.rotated)).toBe(true);
    expect(missing).toEqual({ token: null, rotated: false });
    expect(forgery).toEqual({ token: null, rotated: false });
    expect((await repository.rotatePresented(keyOf(victim), Date.now(), draft())).rotated).toBe(true);
    expect(wrongClient.rotated).toBe(false);
    expect(wrongClient.token?.family_client_id).toBe(other.client_id);
    for (const [i, o] of outcomes.entries()) {
      const [row] = await query(
        `SELECT c.id, c.family_id, c.client_id, c.subject, c.scope, c.token_hash, c.issued_at, c.expires_at, p.used_at
         FROM refresh_token c JOIN refresh_token p ON p.id = c.parent_id WHERE p.token_hash = $1`,
        [hashSecret(tokens[i])],
      );
      expect(row).toMatchObject({
        id: drafts[i].id,
        family_id: o.token!.family_id,
        client_id: client.client_id,
        subject: o.token!.family_subject,
        scope: 'read',
        token_hash: drafts[i].token_hash,
      });
      expect(Number(row.issued_at)).toBe(now);
      expect(Number(row.used_at)).toBe(now);
      expect(Number(row.expires_at)).toBe(Math.min(drafts[i].idle_expires_at, o.token!.family_expires_at));
    }
    const [{ n }] = await query(
      'SELECT count(*) AS n FROM refresh_token WHERE parent_id IS NOT NULL AND token_hash = $1',
      [hashSecret(foreign)],
    );
    expect(Number(n)).toBe(0);
  });

  it('fails only the faulty rotation of a batch, and writes nothing for it', async () => {
    const [a, b, c] = await refreshTokens(3);
    const now = Date.now();
    const shared = timeOrderedId(Date.now()); // two successors with one id: the second insert must fail
    const settled = await Promise.allSettled([
      repository.rotatePresented(keyOf(a), now, draft(client, shared)),
      repository.rotatePresented(keyOf(b), now, draft(client, shared)),
      repository.rotatePresented(keyOf(c), now, draft()),
    ]);
    const fulfilled = settled.filter((s) => s.status === 'fulfilled');
    expect(fulfilled).toHaveLength(2);
    expect(fulfilled.every((s) => (s as PromiseFulfilledResult<PresentedRotation>).value.rotated)).toBe(true);
    expect(settled[2].status).toBe('fulfilled');
    const rows = await query('SELECT parent_id FROM refresh_token WHERE id = $1', [shared]);
    expect(rows).toHaveLength(1);
    // The failed one's token is still unused: nothing of its rotation was written.
    const loser = settled[0].status === 'rejected' ? a : b;
    const [token] = await query('SELECT used_at FROM refresh_token WHERE token_hash = $1', [hashSecret(loser)]);
    expect(token.used_at).toBeNull();
  });

  if (TEST_DIALECT === 'postgres') {
    it('sends the rotations of one turn to PostgreSQL as one statement', async () => {
      const tokens = await refreshTokens(20);
      const spy = countStatements();
      try {
        const now = Date.now();
        const outcomes = await Promise.all(tokens.map((rt) => repository.rotatePresented(keyOf(rt), now, draft())));
        expect(outcomes.every((o) => o.rotated)).toBe(true);
      } finally {
        spy.undo();
      }
      expect(Object.fromEntries(spy.counts)).toEqual({ rotate_by_hash_batch: 1 });
    });

    it(`splits more than ${MAX_ROTATION_BATCH} rotations of one turn into statements of at most that many`, async () => {
      const tokens = await refreshTokens(3);
      const spy = countStatements();
      let outcomes: PresentedRotation[];
      try {
        const now = Date.now();
        // Presentations of three tokens, many times over: one rotation each, the rest not rotated.
        outcomes = await Promise.all(
          Array.from({ length: MAX_ROTATION_BATCH + 10 }, (_, i) =>
            repository.rotatePresented(keyOf(tokens[i % 3]), now, draft()),
          ),
        );
      } finally {
        spy.undo();
      }
      expect(spy.counts.get('rotate_by_hash_batch')).toBe(2);
      expect(outcomes.filter((o) => o.rotated)).toHaveLength(3);
    });

    it('sends a lone rotation with the single-row statement', async () => {
      const [rt] = await refreshTokens(1);
      const spy = countStatements();
      try {
        expect((await repository.rotatePresented(keyOf(rt), Date.now(), draft())).rotated).toBe(true);
      } finally {
        spy.undo();
      }
      expect(Object.fromEntries(spy.counts)).toEqual({ rotate_by_hash: 1 });
    });
  }
});
