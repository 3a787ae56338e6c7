import { randomUUID } from 'node:crypto';
import { type RefreshTokenKey, mintRefreshToken, refreshTokenKey, timeOrderedId } from '#oauth';
import {
  type AuditRecord,
  DatabaseHandle,
  type FamilyRevocation,
  HousekeepingRepository,
  RefreshTokenListRepository,
  RefreshTokenRepository,
  type RequestOrigin,
  RevocationReason,
  type SuccessorDraft,
  requestOrigin,
  rotatableSql,
  rotationRefusal,
  successorOf,
} from '#persistence';
import { SELECT_TOKEN_WITH_FAMILY } from '../libs/persistence/src/repositories/refresh-token.sql.js';
import { type TestApp, startTestApp } from './support/test-app.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;

/**
 * The contract of the refresh-token repositories, the same cases on whichever database TEST_DATABASE
 * names: rotation and its races, the rotation rule in TypeScript and in SQL, revocation, the operators'
 * list and the housekeeping deletions.
 */
describe('refresh-token repository contract', () => {
  let t: TestApp;
  let tokens: RefreshTokenRepository;
  let database: DatabaseHandle;
  let clientA: string;
  let clientB: string;
  let user: string;
  let users = 0;
  const T0 = Date.UTC(2030, 0, 1);

  beforeAll(async () => {
    t = await startTestApp();
    tokens = t.app.get(RefreshTokenRepository);
    database = t.app.get(DatabaseHandle);
    clientA = (await t.createClient({ grant_types: ['refresh_token'], scope: 'read' })).client_id;
    clientB = (await t.createClient({ grant_types: ['refresh_token'], scope: 'read' })).client_id;
    user = await newUser();
  });
  afterAll(() => t.close());

  async function newUser(): Promise<string> {
    users += 1;
    return (await t.createUser(`contract-${users}`, 'contract-password-1')).id;
  }

  /** Runs `$name`-parameter SQL on the raw driver of either dialect. */
  async function query(sql: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
    if (database.dialect === 'sqlite') {
      const statement = database.sqlite.prepare(sql.replace(/\$(\w+)/g, '@$1'));
      return statement.reader ? (statement.all(params) as Record<string, unknown>[]) : (statement.run(params), []);
    }
    const names: string[] = [];
    const text = sql.replace(/\$(\w+)/g, (_, name: string) => {
      if (!names.includes(name)) names.push(name);
      return `$${names.indexOf(name) + 1}`;
    });
    return (
      await database.pool.query(
        text,
        names.map((n) => params[n]),
      )
    ).rows as Record<string, unknown>[];
  }

  interface Family {
    id: string;
    tokenId: string;
    key: RefreshTokenKey;
    subject: string;
  }

  async function epochOf(subject: string): Promise<number> {
    const [row] = await query('SELECT token_epoch FROM app_user WHERE id = $id', { id: subject });
    return Number(row.token_epoch);
  }

  /** A new family with its first token, issued at `at`. */
  async function family(
    opts: { client?: string; subject?: string; at?: number; idle?: number; absolute?: number; jkt?: string } = {},
  ): Promise<Family> {
    const { client = clientA, subject = user, at = T0, idle = HOUR, absolute = 24 * HOUR, jkt } = opts;
    const id = timeOrderedId(at);
    const tokenId = timeOrderedId(at);
    const minted = mintRefreshToken(tokenId);
    const created = await tokens.createFamily(
      {
        id,
        client_id: client,
        subject,
        scope: 'read',
        created_at: at,
        expires_at: at + absolute,
        user_epoch: await epochOf(subject),
        ...(jkt === undefined ? {} : { dpop_jkt: jkt }),
      },
      {
        id: tokenId,
        family_id: id,
        parent_id: null,
        client_id: client,
        subject,
        token_hash: minted.hash,
        scope: 'read',
        issued_at: at,
        expires_at: at + idle,
      },
    );
    expect(created).toBe(true);
    return { id, tokenId, key: refreshTokenKey(minted.value)!, subject };
  }

  function draft(
    at: number,
    client = clientA,
    jkt?: string,
    opts: { from?: RequestOrigin; idAt?: number } = {},
  ): { key: RefreshTokenKey; draft: SuccessorDraft } {
    const id = timeOrderedId(opts.idAt ?? at);
    const minted = mintRefreshToken(id);
    return {
      key: refreshTokenKey(minted.value)!,
      draft: {
        id,
        client_id: client,
        token_hash: minted.hash,
        idle_expires_at: at + HOUR,
        ...(jkt === undefined ? {} : { dpop_jkt: jkt }),
        ...(opts.from === undefined ? {} : { used_from: opts.from }),
      },
    };
  }

  /** Revokes family `id` at `now`, with an audit record of its own; `more` adds events or replay evidence. */
  function revokeFamily(
    id: string,
    reason: string,
    now: number,
    more: Pick<FamilyRevocation, 'events' | 'replay'> = {},
  ) {
    return tokens.revokeFamily(id, { reason, now, audit: audit(id), ...more });
  }

  function audit(targetId: string): AuditRecord {
    return {
      id: randomUUID(),
      occurred_at: T0,
      actor: 'system',
      action: 'refresh_token_family.revoked',
      target_type: 'refresh_token_family',
      target_id: targetId,
      reason: null,
    };
  }

  /** The rotation rule evaluated by the database, over the token as read (every condition). */
  async function rotatableInSql(tokenId: string, clientId: string, now: number, jkt?: string): Promise<boolean> {
    const names = {
      read: 'p',
      row: 'p',
      clientId: '$client',
      now: database.dialect === 'postgres' ? '$now::bigint' : '$now',
      jkt: database.dialect === 'postgres' ? '$jkt::text' : '$jkt',
    };
    const [row] = await query(
      `SELECT (${rotatableSql(names)}) AS ok FROM (${SELECT_TOKEN_WITH_FAMILY} WHERE t.id = $id) p`,
      { client: clientId, now, id: tokenId, jkt: jkt ?? null },
    );
    return row.ok === true || Number(row.ok) === 1;
  }

  describe('families and rotation', () => {
    it('stores a family with its first token, and none for a user whose token epoch moved', async () => {
      const f = await family();
      const found = await tokens.find(f.key);
      expect(found).toMatchObject({ id: f.tokenId, family_id: f.id, family_client_id: clientA, user_active: true });
      expect(found).toMatchObject({ used_at: null, revoked_at: null, family_revoked_at: null, family_subject: user });
      const stale = timeOrderedId(T0);
      const epoch = await epochOf(user);
      const newFamily = {
        id: stale,
        client_id: clientA,
        subject: user,
        scope: 'read',
        created_at: T0,
        expires_at: T0 + HOUR,
      };
      const first = { id: timeOrderedId(T0), family_id: stale, parent_id: null, client_id: clientA, subject: user };
      const token = {
        ...first,
        token_hash: mintRefreshToken(first.id).hash,
        scope: 'read',
        issued_at: T0,
        expires_at: T0 + HOUR,
      };
      expect(await tokens.createFamily({ ...newFamily, user_epoch: epoch + 1 }, token)).toBe(false);
      expect(await query('SELECT id FROM refresh_token_family WHERE id = $id', { id: stale })).toEqual([]);
    });

    it('rotates a token into its successor, which rotates in turn', async () => {
      const f = await family();
      const next = draft(T0 + SECOND);
      const first = await tokens.rotatePresented(f.key, T0 + SECOND, next.draft);
      expect(first.rotated).toBe(true);
      expect(first.token).toMatchObject({ id: f.tokenId, used_at: null });
      const successor = await tokens.find(next.key);
      expect(successor).toMatchObject({ id: next.draft.id, family_id: f.id, parent_id: f.tokenId, used_at: null });
      expect(successor!.issued_at).toBe(T0 + SECOND);
      expect(successor!.expires_at).toBe(T0 + SECOND + HOUR);
      expect((await tokens.findById(f.tokenId))!.used_at).toBe(T0 + SECOND);
      expect((await tokens.rotatePresented(next.key, T0 + 2 * SECOND, draft(T0 + 2 * SECOND).draft)).rotated).toBe(
        true,
      );
    });

    it('refuses the second rotation of a token, and writes nothing for it', async () => {
      const f = await family();
      expect((await tokens.rotatePresented(f.key, T0 + SECOND, draft(T0 + SECOND).draft)).rotated).toBe(true);
      const again = draft(T0 + 2 * SECOND);
      const second = await tokens.rotatePresented(f.key, T0 + 2 * SECOND, again.draft);
      expect(second.rotated).toBe(false);
      expect(rotationRefusal(second.token, clientA, T0 + 2 * SECOND)).toBe('used');
      expect(await tokens.find(again.key)).toBeNull();
    });

    it('lets exactly one of concurrent rotations of one token win, in one batch and one by one', async () => {
      const f = await family();
      const drafts = Array.from({ length: 20 }, () => draft(T0 + SECOND));
      const batched = await Promise.all(drafts.map((d) => tokens.rotatePresented(f.key, T0 + SECOND, d.draft)));
      expect(batched.filter((o) => o.rotated)).toHaveLength(1);
      const children = await query('SELECT id FROM refresh_token WHERE parent_id = $id', { id: f.tokenId });
      expect(children).toEqual([{ id: drafts[batched.findIndex((o) => o.rotated)].draft.id }]);

      const g = await family();
      const parent = (await tokens.find(g.key))!;
      const records = Array.from({ length: 10 }, () => successorOf(parent, draft(T0 + SECOND).draft, T0 + SECOND));
      const alone = await Promise.all(records.map((r) => tokens.rotate(g.tokenId, T0 + SECOND, r)));
      expect(alone.filter(Boolean)).toHaveLength(1);
    });

    it('answers a retry of a rotated token whose successor was used as a replay, and revokes the whole family', async () => {
      const f = await family();
      const b = draft(T0 + SECOND);
      await tokens.rotatePresented(f.key, T0 + SECOND, b.draft);
      const c = draft(T0 + 2 * SECOND);
      expect((await tokens.rotatePresented(b.key, T0 + 2 * SECOND, c.draft)).rotated).toBe(true);
      const parent = (await tokens.findById(f.tokenId))!;
      const retry = successorOf(parent, draft(T0 + 3 * SECOND).draft, T0 + 3 * SECOND);
      expect(await tokens.reissue(retry, T0 + 3 * SECOND)).toBe('replay');
      expect(await revokeFamily(f.id, RevocationReason.Replay, T0 + 3 * SECOND)).toBe(true);
      for (const key of [f.key, b.key, c.key]) {
        const token = await tokens.find(key);
        expect(token!.family_revoked_at).toBe(T0 + 3 * SECOND);
        expect(token!.revoked_reason).toBe(RevocationReason.Replay);
      }
      const late = await tokens.rotatePresented(c.key, T0 + 4 * SECOND, draft(T0 + 4 * SECOND).draft);
      expect(late.rotated).toBe(false);
      expect(rotationRefusal(late.token, clientA, T0 + 4 * SECOND)).toBe('revoked');
      expect(await revokeFamily(f.id, RevocationReason.Replay, T0 + 5 * SECOND)).toBe(false);
    });

    it('reissues a successor of a rotated token whose successor is unused, superseding that one', async () => {
      const f = await family();
      const b = draft(T0 + SECOND);
      await tokens.rotatePresented(f.key, T0 + SECOND, b.draft);
      const parent = (await tokens.findById(f.tokenId))!;
      const retry = successorOf(parent, draft(T0 + 2 * SECOND).draft, T0 + 2 * SECOND);
      expect(await tokens.reissue(retry, T0 + 2 * SECOND)).toBe('reissued');
      const superseded = await tokens.find(b.key);
      expect(rotationRefusal(superseded, clientA, T0 + 3 * SECOND)).toBe('replayed');
    });
  });

  describe('the rotation rule, each condition in TypeScript and in SQL', () => {
    /** Each case breaks one condition of a fresh family, and names the refusal it must get. */
    const cases: {
      condition: string;
      refusal: string;
      absolute?: number;
      bind?: string;
      present?: { client?: () => string; now?: number; jkt?: string };
      change?: (f: Family) => Promise<unknown>;
      ownUser?: boolean;
    }[] = [
      { condition: 'bound to the presenting client', refusal: 'unknown', present: { client: () => clientB } },
      {
        condition: "bound to the family's DPoP key, if any",
        refusal: 'dpop_key_mismatch',
        bind: 'key-a',
        present: { jkt: 'key-b' },
      },
      {
        condition: 'family not revoked',
        refusal: 'revoked',
        change: (f) => query('UPDATE refresh_token_family SET revoked_at = $at WHERE id = $id', { at: T0, id: f.id }),
      },
      {
        condition: 'token not revoked',
        refusal: 'revoked',
        change: (f) =>
          query("UPDATE refresh_token SET revoked_at = $at, revoked_reason = 'admin' WHERE id = $id", {
            at: T0,
            id: f.tokenId,
          }),
      },
      {
        condition: "user enabled at the family's token epoch",
        refusal: 'user_changed',
        ownUser: true,
        change: (f) => query('UPDATE app_user SET token_epoch = token_epoch + 1 WHERE id = $id', { id: f.subject }),
      },
      { condition: 'idle expiry not reached', refusal: 'expired', present: { now: T0 + HOUR } },
      {
        condition: 'family absolute expiry not reached',
        refusal: 'expired',
        absolute: 30 * SECOND,
        present: { now: T0 + 30 * SECOND },
      },
      {
        condition: 'not used',
        refusal: 'used',
        change: (f) => query('UPDATE refresh_token SET used_at = $at WHERE id = $id', { at: T0, id: f.tokenId }),
      },
    ];

    it('rotates the untouched token, by both the rule and the SQL', async () => {
      const f = await family();
      const now = T0 + 20 * SECOND;
      expect(rotationRefusal(await tokens.find(f.key), clientA, now)).toBeNull();
      expect(await rotatableInSql(f.tokenId, clientA, now)).toBe(true);
      expect((await tokens.rotatePresented(f.key, now, draft(now).draft)).rotated).toBe(true);
    });

    it.each(cases)('refuses a token failing "$condition" ($refusal)', async (c) => {
      const subject = c.ownUser ? await newUser() : user;
      const f = await family({ subject, absolute: c.absolute ?? 24 * HOUR, jkt: c.bind });
      await c.change?.(f);
      const client = c.present?.client?.() ?? clientA;
      const now = c.present?.now ?? T0 + 20 * SECOND;
      const jkt = c.present?.jkt;
      expect(rotationRefusal(await tokens.find(f.key), client, now, jkt)).toBe(c.refusal);
      expect(await rotatableInSql(f.tokenId, client, now, jkt)).toBe(false);
      const next = draft(now, client, jkt);
      const outcome = await tokens.rotatePresented(f.key, now, next.draft);
      expect(outcome.rotated).toBe(false);
      expect(outcome.token?.id).toBe(f.tokenId);
      expect(await tokens.find(next.key)).toBeNull();
    });
  });

  describe('DPoP key binding (RFC 9449 5)', () => {
    const now = T0 + 20 * SECOND;

    it('rotates a bound family only with its key, and its successor stays bound to that key', async () => {
      const f = await family({ jkt: 'key-a' });
      expect(await tokens.find(f.key)).toMatchObject({ family_dpop_jkt: 'key-a' });
      expect(await rotatableInSql(f.tokenId, clientA, now, 'key-a')).toBe(true);
      const next = draft(now, clientA, 'key-a');
      expect((await tokens.rotatePresented(f.key, now, next.draft)).rotated).toBe(true);
      expect(await tokens.find(next.key)).toMatchObject({ family_dpop_jkt: 'key-a', parent_id: f.tokenId });
      const later = draft(now + SECOND, clientA, 'key-b');
      const refused = await tokens.rotatePresented(next.key, now + SECOND, later.draft);
      expect(refused.rotated).toBe(false);
      expect(rotationRefusal(refused.token, clientA, now + SECOND, 'key-b')).toBe('dpop_key_mismatch');
    });

    it.each([
      ['another key', 'key-b'],
      ['no key', undefined],
    ])('refuses a bound token presented with %s and leaves it unused, its family alive', async (_, jkt) => {
      const f = await family({ jkt: 'key-a' });
      expect(await rotatableInSql(f.tokenId, clientA, now, jkt)).toBe(false);
      const next = draft(now, clientA, jkt);
      const outcome = await tokens.rotatePresented(f.key, now, next.draft);
      expect(outcome.rotated).toBe(false);
      expect(rotationRefusal(outcome.token, clientA, now, jkt ?? null)).toBe('dpop_key_mismatch');
      expect(await tokens.find(next.key)).toBeNull();
      expect(await tokens.find(f.key)).toMatchObject({ used_at: null, revoked_at: null, family_revoked_at: null });
      expect((await tokens.rotatePresented(f.key, now, draft(now, clientA, 'key-a').draft)).rotated).toBe(true);
    });

    it('ignores the key for an unbound family', async () => {
      const f = await family();
      expect(await tokens.find(f.key)).toMatchObject({ family_dpop_jkt: null });
      expect(await rotatableInSql(f.tokenId, clientA, now, 'key-b')).toBe(true);
      expect((await tokens.rotatePresented(f.key, now, draft(now, clientA, 'key-b').draft)).rotated).toBe(true);
    });

    it('lets only a presentation with the right key win a race of right and wrong keys, in one batch', async () => {
      const f = await family({ jkt: 'key-a' });
      const wrong = Array.from({ length: 10 }, (_, i) => draft(now, clientA, i % 2 === 0 ? 'key-b' : undefined));
      const right = Array.from({ length: 5 }, () => draft(now, clientA, 'key-a'));
      const all = [...wrong, ...right];
      const outcomes = await Promise.all(all.map((d) => tokens.rotatePresented(f.key, now, d.draft)));
      expect(outcomes.slice(0, wrong.length).some((o) => o.rotated)).toBe(false);
      expect(outcomes.filter((o) => o.rotated)).toHaveLength(1);
      const children = await query('SELECT id FROM refresh_token WHERE parent_id = $id', { id: f.tokenId });
      expect(children).toEqual([{ id: all[outcomes.findIndex((o) => o.rotated)].draft.id }]);
    });
  });

  describe('revocation', () => {
    it('revokes the active families of a subject, of a client, or of both, and no other', async () => {
      const other = await newUser();
      const mine = await family({ subject: other });
      const mineB = await family({ subject: other, client: clientB });
      const theirs = await family();
      const ended = await family({ subject: other, absolute: 10 * SECOND });
      const bySubject = await tokens.revokeMatching(
        { subject: other },
        { reason: RevocationReason.UserDisabled, now: T0 + HOUR / 2, audit: audit(other) },
      );
      expect(bySubject).toBe(2);
      expect((await tokens.find(mine.key))!.family_revoked_at).toBe(T0 + HOUR / 2);
      expect((await tokens.find(mineB.key))!.revoked_reason).toBe(RevocationReason.UserDisabled);
      expect((await tokens.find(theirs.key))!.family_revoked_at).toBeNull();
      expect((await tokens.find(ended.key))!.family_revoked_at).toBeNull();

      const b1 = await family({ client: clientB });
      const both = await family({ subject: other, client: clientB });
      expect(
        await tokens.revokeMatching(
          { subject: other, client_id: clientB },
          { reason: 'admin', now: T0 + HOUR / 2, audit: audit(other) },
        ),
      ).toBe(1);
      expect((await tokens.find(both.key))!.family_revoked_at).not.toBeNull();
      expect((await tokens.find(b1.key))!.family_revoked_at).toBeNull();
      const byClient = await tokens.revokeMatching(
        { client_id: clientB },
        { reason: RevocationReason.ClientDeleted, now: T0 + HOUR / 2, audit: audit(clientB) },
      );
      expect(byClient).toBeGreaterThanOrEqual(1);
      expect((await tokens.find(b1.key))!.revoked_reason).toBe(RevocationReason.ClientDeleted);
      expect((await tokens.find(theirs.key))!.family_revoked_at).toBeNull();
    });

    it('revokes one family with every token in it, and records its audit event once', async () => {
      const f = await family();
      const b = draft(T0 + SECOND);
      await tokens.rotatePresented(f.key, T0 + SECOND, b.draft);
      const record = audit(f.id);
      expect(
        await tokens.revokeFamily(f.id, { reason: RevocationReason.Admin, now: T0 + 2 * SECOND, audit: record }),
      ).toBe(true);
      expect(await revokeFamily(f.id, RevocationReason.Admin, T0 + 3 * SECOND)).toBe(false);
      const rows = await query('SELECT revoked_at FROM refresh_token WHERE family_id = $id', { id: f.id });
      expect(rows.map((r) => Number(r.revoked_at))).toEqual([T0 + 2 * SECOND, T0 + 2 * SECOND]);
      expect(await query('SELECT id FROM audit_event WHERE target_id = $id', { id: f.id })).toEqual([
        { id: record.id },
      ]);
    });
  });

  describe('security events written with the revocation', () => {
    let watched: string;
    const draftOf = (type: string) => ({ txn: randomUUID(), type, reason: 'r', queued: 0 });
    const eventsOf = (txn: string) =>
      query('SELECT client_id, subject, family_ids, type, status FROM security_event WHERE txn = $txn', { txn });

    beforeAll(async () => {
      watched = (
        await t.createClient({
          grant_types: ['refresh_token'],
          scope: 'read',
          security_event_endpoint: 'https://watched.example/events',
        })
      ).client_id;
    });

    it('queues one family’s event for its client when it has an endpoint, and only when the family was active', async () => {
      const f = await family({ client: watched });
      const events = draftOf('refresh_token_reuse_detected');
      expect(await revokeFamily(f.id, RevocationReason.Replay, T0 + SECOND, { events })).toBe(true);
      expect(events.queued).toBe(1);
      expect(await eventsOf(events.txn)).toEqual([
        {
          client_id: watched,
          subject: user,
          family_ids: JSON.stringify([f.id]),
          type: 'refresh_token_reuse_detected',
          status: 'pending',
        },
      ]);
      const again = draftOf('refresh_token_reuse_detected');
      expect(await revokeFamily(f.id, RevocationReason.Replay, T0 + 2 * SECOND, { events: again })).toBe(false);
      expect(again.queued).toBe(0);
      expect(await eventsOf(again.txn)).toEqual([]);
      const plain = await family({ client: clientA });
      const none = draftOf('refresh_token_family_revoked');
      expect(await revokeFamily(plain.id, RevocationReason.Admin, T0 + SECOND, { events: none })).toBe(true);
      expect(none.queued).toBe(0);
      expect(await eventsOf(none.txn)).toEqual([]);
    });

    it('queues a bulk revocation’s events per client with an endpoint and subject, with the families it revoked', async () => {
      const subject = await newUser();
      const w1 = await family({ client: watched, subject });
      const w2 = await family({ client: watched, subject });
      await family({ client: clientA, subject });
      const events = draftOf('user_disabled');
      expect(
        await tokens.revokeMatching(
          { subject },
          { reason: RevocationReason.UserDisabled, now: T0 + SECOND, audit: audit(subject), events },
        ),
      ).toBe(3);
      expect(events.queued).toBe(1);
      const [row] = await eventsOf(events.txn);
      expect(row).toMatchObject({ client_id: watched, subject, type: 'user_disabled' });
      expect((JSON.parse(row.family_ids as string) as string[]).sort()).toEqual([w1.id, w2.id].sort());
    });

    it('writes no event when the revocation’s transaction fails', async () => {
      const f = await family({ client: watched });
      const record = audit(f.id);
      // The same audit id twice: the second revocation's audit insert fails after its events were written.
      await query(
        'INSERT INTO audit_event (id, occurred_at, actor, action, target_type, target_id, reason) VALUES ($id, $at, $a, $a, $a, $a, NULL)',
        { id: record.id, at: T0, a: 'x' },
      );
      const events = draftOf('refresh_token_family_revoked');
      await expect(
        tokens.revokeFamily(f.id, { reason: RevocationReason.Admin, now: T0 + SECOND, audit: record, events }),
      ).rejects.toThrow();
      expect(await eventsOf(events.txn)).toEqual([]);
      expect((await tokens.find(f.key))!.family_revoked_at).toBeNull();
    });
  });

  describe('the operators list', () => {
    it('pages newest first by keyset, with each status as it is at the time asked', async () => {
      const lister = (await t.createClient({ grant_types: ['refresh_token'], scope: 'read' })).client_id;
      const list = t.app.get(RefreshTokenListRepository);
      const rotated = await family({ client: lister, at: T0 });
      const successor = draft(T0 + 4 * SECOND, lister);
      await tokens.rotatePresented(rotated.key, T0 + 4 * SECOND, successor.draft);
      const revoked = await family({ client: lister, at: T0 + SECOND });
      await revokeFamily(revoked.id, RevocationReason.Admin, T0 + 5 * SECOND);
      const expiring = await family({ client: lister, at: T0 + 2 * SECOND, idle: 10 * SECOND });
      const now = T0 + 20 * SECOND;

      const statuses = new Map<string, string>();
      let after: { at: number; id: string } | undefined;
      const seen: string[] = [];
      for (;;) {
        const rows = await list.list({ client_id: lister }, 2, after, now);
        const items = rows.slice(0, 2);
        for (const item of items) statuses.set(item.id, item.status);
        seen.push(...items.map((i) => i.id));
        if (rows.length <= 2) break;
        after = { at: items[1].issued_at, id: items[1].id };
      }
      expect(seen).toEqual([successor.draft.id, expiring.tokenId, revoked.tokenId, rotated.tokenId]);
      expect(Object.fromEntries(statuses)).toEqual({
        [successor.draft.id]: 'active',
        [expiring.tokenId]: 'expired',
        [revoked.tokenId]: 'revoked',
        [rotated.tokenId]: 'rotated',
      });
      for (const status of ['active', 'expired', 'revoked', 'rotated'] as const) {
        const rows = await list.list({ client_id: lister, status }, 10, undefined, now);
        expect(rows.map((r) => r.id)).toEqual([...statuses].filter(([, s]) => s === status).map(([id]) => id));
      }
      const one = await list.get(revoked.tokenId, now);
      expect(one).toMatchObject({ status: 'revoked', revoked_at: T0 + 5 * SECOND, revoked_reason: 'admin' });
      expect(await list.get(randomUUID(), now)).toBeNull();
      const window = await list.list(
        { client_id: lister, issued_after: T0 + SECOND, issued_before: T0 + 3 * SECOND },
        10,
        undefined,
        now,
      );
      expect(window.map((r) => r.id)).toEqual([expiring.tokenId, revoked.tokenId]);
    });
  });

  describe('family lineage (RFC 9700 4.14 forensics)', () => {
    const A = requestOrigin('203.0.113.7', 'RightfulApp/1.0');
    const B = requestOrigin('198.51.100.23', 'curl/8.5.0');
    const usedFrom = async (id: string) =>
      (await query('SELECT used_address, used_user_agent FROM refresh_token WHERE id = $id', { id }))[0];
    const replayOf = async (id: string) => {
      const [row] = await query(
        `SELECT replayed_token_id, replayed_at, replayed_address, replayed_user_agent
         FROM refresh_token_family WHERE id = $id`,
        { id },
      );
      return { ...row, replayed_at: row.replayed_at === null ? null : Number(row.replayed_at) };
    };

    it('stores where the request came from on the token it rotates, alone, in a batch and through rotate', async () => {
      const alone = await family();
      expect(
        (
          await tokens.rotatePresented(
            alone.key,
            T0 + SECOND,
            draft(T0 + SECOND, clientA, undefined, { from: A }).draft,
          )
        ).rotated,
      ).toBe(true);
      expect(await usedFrom(alone.tokenId)).toEqual({ used_address: A.address, used_user_agent: A.user_agent });

      // Presented in one turn of the event loop: one statement (PostgreSQL) or one group commit (SQLite).
      const batch = await Promise.all([family(), family(), family()]);
      const origins = batch.map((_, i) => requestOrigin(`192.0.2.${i + 1}`, `Agent/${i}`));
      const outcomes = await Promise.all(
        batch.map((f, i) =>
          tokens.rotatePresented(
            f.key,
            T0 + SECOND,
            draft(T0 + SECOND, clientA, undefined, { from: origins[i] }).draft,
          ),
        ),
      );
      expect(outcomes.map((o) => o.rotated)).toEqual([true, true, true]);
      for (const [i, f] of batch.entries())
        expect(await usedFrom(f.tokenId)).toEqual({
          used_address: origins[i].address,
          used_user_agent: origins[i].user_agent,
        });

      const direct = await family();
      const parent = (await tokens.find(direct.key))!;
      expect(
        await tokens.rotate(direct.tokenId, T0 + SECOND, successorOf(parent, draft(T0 + SECOND).draft, T0 + SECOND), B),
      ).toBe(true);
      expect(await usedFrom(direct.tokenId)).toEqual({ used_address: B.address, used_user_agent: B.user_agent });

      const unknown = await family();
      expect((await tokens.rotatePresented(unknown.key, T0 + SECOND, draft(T0 + SECOND).draft)).rotated).toBe(true);
      expect(await usedFrom(unknown.tokenId)).toEqual({ used_address: null, used_user_agent: null });
    });

    it('writes nothing of a refused presentation onto the token', async () => {
      const f = await family();
      expect(
        (await tokens.rotatePresented(f.key, T0 + SECOND, draft(T0 + SECOND, clientA, undefined, { from: A }).draft))
          .rotated,
      ).toBe(true);
      expect(
        (
          await tokens.rotatePresented(
            f.key,
            T0 + 2 * SECOND,
            draft(T0 + 2 * SECOND, clientA, undefined, { from: B }).draft,
          )
        ).rotated,
      ).toBe(false);
      expect(await usedFrom(f.tokenId)).toEqual({ used_address: A.address, used_user_agent: A.user_agent });
    });

    it('stores an origin bounded to its columns intact: characters counted as the database counts them', async () => {
      // 199 characters and an astral one: 200 characters, 201 UTF-16 units; NUL, which PostgreSQL text refuses.
      const agent = `${'x'.repeat(150)}\u0000${'y'.repeat(49)}\u{1F600}and more past the column`;
      const origin = requestOrigin(`2001:db8::${'f'.repeat(80)}`, agent);
      expect(origin.user_agent).toBe(`${'x'.repeat(150)}${'y'.repeat(49)}\u{1F600}`);
      expect(Array.from(origin.user_agent!)).toHaveLength(200);
      expect(origin.address).toHaveLength(64);
      const f = await family();
      const next = draft(T0 + SECOND, clientA, undefined, { from: origin });
      expect((await tokens.rotatePresented(f.key, T0 + SECOND, next.draft)).rotated).toBe(true);
      expect(await usedFrom(f.tokenId)).toEqual({ used_address: origin.address, used_user_agent: origin.user_agent });
      const replayed = await family();
      const evidence = { token_id: replayed.tokenId, from: origin };
      expect(await revokeFamily(replayed.id, RevocationReason.Replay, T0 + SECOND, { replay: evidence })).toBe(true);
      expect(await replayOf(replayed.id)).toMatchObject({
        replayed_address: origin.address,
        replayed_user_agent: origin.user_agent,
      });
    });

    it('keeps the evidence of the replay that revoked the family, and of no later one', async () => {
      const f = await family();
      const first = { token_id: f.tokenId, from: B };
      expect(await revokeFamily(f.id, RevocationReason.Replay, T0 + SECOND, { replay: first })).toBe(true);
      const recorded = {
        replayed_token_id: f.tokenId,
        replayed_at: T0 + SECOND,
        replayed_address: B.address,
        replayed_user_agent: B.user_agent,
      };
      expect(await replayOf(f.id)).toEqual(recorded);
      const later = { token_id: f.tokenId, from: A };
      expect(await revokeFamily(f.id, RevocationReason.Replay, T0 + 2 * SECOND, { replay: later })).toBe(false);
      expect(await replayOf(f.id)).toEqual(recorded);

      const none = { replayed_token_id: null, replayed_at: null, replayed_address: null, replayed_user_agent: null };
      const admin = await family();
      expect(await revokeFamily(admin.id, RevocationReason.Admin, T0 + SECOND)).toBe(true);
      expect(await replayOf(admin.id)).toEqual(none);
      expect(await revokeFamily(admin.id, RevocationReason.Replay, T0 + 2 * SECOND, { replay: later })).toBe(false);
      expect(await replayOf(admin.id)).toEqual(none);

      const code = await family();
      const codeReplay = { token_id: null, from: B };
      expect(await revokeFamily(code.id, RevocationReason.CodeReplay, T0 + SECOND, { replay: codeReplay })).toBe(true);
      expect(await replayOf(code.id)).toEqual({ ...recorded, replayed_token_id: null });
    });

    it('reads a family with its tokens in issue order (issued_at, then id), where each was used from, and its replay', async () => {
      const list = t.app.get(RefreshTokenListRepository);
      const f = await family({ at: T0 });
      // Ids that sort against the issue order: c is issued last but carries the smallest id.
      const b = draft(T0 + SECOND, clientA, undefined, { from: A, idAt: T0 + 4 * SECOND });
      expect((await tokens.rotatePresented(f.key, T0 + SECOND, b.draft)).rotated).toBe(true);
      // A retry's successor issued at the same instant as b, with a larger id: it comes after b, although b's
      // row was rewritten (superseded) after it was inserted.
      const parent = (await tokens.findById(f.tokenId))!;
      const retried = draft(T0 + SECOND, clientA, undefined, { idAt: T0 + 10 * SECOND });
      const retry = successorOf(parent, retried.draft, T0 + SECOND);
      expect(await tokens.reissue(retry, T0 + SECOND)).toBe('reissued');
      const c = draft(T0 + 2 * SECOND, clientA, undefined, { from: B, idAt: T0 + 3 * SECOND });
      expect((await tokens.rotatePresented(retried.key, T0 + 2 * SECOND, c.draft)).rotated).toBe(true);
      const now = T0 + 3 * SECOND;

      const lineage = (await list.lineage(f.id, now))!;
      expect(lineage).toMatchObject({
        id: f.id,
        client_id: clientA,
        subject: user,
        scope: 'read',
        created_at: T0,
        expires_at: T0 + 24 * HOUR,
        status: 'active',
        revoked_at: null,
        revoked_reason: null,
        dpop_jkt: null,
        replay: null,
      });
      expect(lineage.tokens).toEqual([
        {
          id: f.tokenId,
          parent_id: null,
          issued_at: T0,
          expires_at: T0 + HOUR,
          used_at: T0 + SECOND,
          revoked_at: null,
          revoked_reason: null,
          status: 'rotated',
          used_from: A,
        },
        {
          id: b.draft.id,
          parent_id: f.tokenId,
          issued_at: T0 + SECOND,
          expires_at: T0 + SECOND + HOUR,
          used_at: null,
          revoked_at: T0 + SECOND,
          revoked_reason: 'superseded',
          status: 'revoked',
          used_from: null,
        },
        {
          id: retry.id,
          parent_id: f.tokenId,
          issued_at: T0 + SECOND,
          expires_at: T0 + SECOND + HOUR,
          used_at: T0 + 2 * SECOND,
          revoked_at: null,
          revoked_reason: null,
          status: 'rotated',
          used_from: B,
        },
        {
          id: c.draft.id,
          parent_id: retry.id,
          issued_at: T0 + 2 * SECOND,
          expires_at: T0 + 2 * SECOND + HOUR,
          used_at: null,
          revoked_at: null,
          revoked_reason: null,
          status: 'active',
          used_from: null,
        },
      ]);

      const evidence = { token_id: f.tokenId, from: B };
      expect(
        await tokens.revokeFamily(f.id, { reason: RevocationReason.Replay, now, audit: audit(f.id), replay: evidence }),
      ).toBe(true);
      const revoked = (await list.lineage(f.id, now))!;
      expect(revoked).toMatchObject({ status: 'revoked', revoked_at: now, revoked_reason: 'replay_detected' });
      expect(revoked.replay).toEqual({ token_id: f.tokenId, presented_at: now, from: B });
      expect(revoked.tokens.map((tk) => tk.status)).toEqual(['revoked', 'revoked', 'revoked', 'revoked']);
      expect((await list.lineage(f.id, T0 + 25 * HOUR))!.status).toBe('revoked');

      const ended = await family({ absolute: 10 * SECOND });
      expect((await list.lineage(ended.id, T0 + 10 * SECOND))!.status).toBe('expired');
      expect(await list.lineage(randomUUID(), now)).toBeNull();
    });
  });

  describe('housekeeping', () => {
    const count = async (sql: string, params: Record<string, unknown>) =>
      Number((await query(`SELECT COUNT(*) AS n FROM ${sql}`, params))[0].n);

    it('deletes the families past their end or revocation before the cutoff, with their tokens, and nothing else', async () => {
      const housekeeping = t.app.get(HousekeepingRepository);
      const cleaner = (await t.createClient({ grant_types: ['refresh_token'], scope: 'read' })).client_id;
      const ended = await family({ client: cleaner, at: T0, absolute: 10 * SECOND });
      const rotated = draft(T0 + SECOND, cleaner);
      await tokens.rotatePresented(ended.key, T0 + SECOND, rotated.draft);
      const revoked = await family({ client: cleaner });
      await revokeFamily(revoked.id, RevocationReason.Admin, T0 + SECOND);
      const revokedLate = await family({ client: cleaner });
      await revokeFamily(revokedLate.id, RevocationReason.Admin, T0 + HOUR);
      const live = await family({ client: cleaner });
      const cutoff = T0 + 60 * SECOND;
      const revokedBefore = await count('refresh_token_family WHERE revoked_at < $c', { c: cutoff });
      const endedBefore = await count(
        'refresh_token_family WHERE expires_at < $c AND (revoked_at IS NULL OR revoked_at >= $c)',
        {
          c: cutoff,
        },
      );
      const total = await count('refresh_token_family', {});

      expect(await housekeeping.deleteRevokedFamilies(cutoff, 1000)).toBe(revokedBefore);
      expect(await housekeeping.deleteExpiredFamilies(cutoff, 1000)).toBe(endedBefore);
      expect(await count('refresh_token_family', {})).toBe(total - revokedBefore - endedBefore);
      const left = await query('SELECT id FROM refresh_token_family WHERE client_id = $c', { c: cleaner });
      expect(left.map((r) => r.id).sort()).toEqual([revokedLate.id, live.id].sort());
      for (const gone of [ended, revoked]) {
        expect(await count('refresh_token WHERE family_id = $id', { id: gone.id })).toBe(0);
      }
      expect(await tokens.find(live.key)).not.toBeNull();
      expect(await tokens.find(revokedLate.key)).not.toBeNull();
      expect(await tokens.find(rotated.key)).toBeNull();
      expect(await housekeeping.deleteRevokedFamilies(cutoff, 1000)).toBe(0);
      expect(await housekeeping.deleteExpiredFamilies(cutoff, 1000)).toBe(0);
    });

    it('deletes in batches of at most the limit', async () => {
      const housekeeping = t.app.get(HousekeepingRepository);
      const revokedAt = T0 - HOUR;
      for (let i = 0; i < 3; i++) {
        const f = await family();
        await revokeFamily(f.id, 'admin', revokedAt);
      }
      const cutoff = revokedAt + 1;
      expect(await housekeeping.deleteRevokedFamilies(cutoff, 2)).toBe(2);
      expect(await housekeeping.deleteRevokedFamilies(cutoff, 2)).toBe(1);
      expect(await housekeeping.deleteRevokedFamilies(cutoff, 2)).toBe(0);
      expect(await housekeeping.deleteExpiredCodes(cutoff, 2)).toBe(0);
      expect(await housekeeping.deleteExpiredSessions(cutoff, 2)).toBe(0);
    });
  });
});
