import { mintRefreshToken, refreshTokenKey, timeOrderedId } from '#oauth';
import type { NewFamily, NewRefreshToken, SuccessorDraft } from '../repositories/refresh-token.repository.js';
import { SUPERSEDED, rotationRefusal } from '../repositories/rotation-rule.js';
import { type FakeRepositories, fakeRepositories } from './index.js';

const NOW = Date.UTC(2030, 0, 1);
const HOUR = 3600 * 1000;
const CLIENT = 'client-a';
const AUDIT = {
  id: 'audit-1',
  occurred_at: NOW,
  actor: 'test',
  action: 'revoked',
  target_type: 'x',
  target_id: 'y',
  reason: 'why',
};

/**
 * The fake keeps the repository contract (test/refresh-token-repository.e2e-spec.ts runs it on both
 * databases) in the cases the token-path specs lean on: it refuses what the rotation rule refuses.
 */
/** A family of user-1 at CLIENT (user epoch 0) that begins at NOW with `token`, valid for an hour. */
function newFamily(id: string, token: { id: string; hash: string }, expiresAt: number) {
  const family: NewFamily = {
    id,
    client_id: CLIENT,
    subject: 'user-1',
    scope: 'read',
    created_at: NOW,
    expires_at: expiresAt,
    user_epoch: 0,
  };
  const record: NewRefreshToken = {
    id: token.id,
    family_id: id,
    parent_id: null,
    client_id: CLIENT,
    subject: 'user-1',
    token_hash: token.hash,
    scope: 'read',
    issued_at: NOW,
    expires_at: NOW + HOUR,
  };
  return { family, record };
}

describe('FakeRefreshTokenRepository', () => {
  let repos: FakeRepositories;
  let familyId: string;
  let first: { id: string; value: string };

  function minted(): { id: string; value: string; hash: string } {
    const id = timeOrderedId(NOW);
    return { id, ...mintRefreshToken(id) };
  }

  function draft(): SuccessorDraft & { value: string } {
    const { id, value, hash } = minted();
    return { id, value, client_id: CLIENT, token_hash: hash, idle_expires_at: NOW + 2 * HOUR };
  }

  const keyOf = (value: string) => refreshTokenKey(value)!;

  beforeEach(async () => {
    repos = fakeRepositories();
    await repos.users.insert({
      id: 'user-1',
      username: 'alice',
      password_hash: 'x',
      disabled_at: null,
      token_epoch: 0,
      created_at: NOW,
      updated_at: NOW,
    });
    familyId = timeOrderedId(NOW);
    const token = minted();
    first = token;
    const { family, record } = newFamily(familyId, token, NOW + 24 * HOUR);
    expect(await repos.refreshTokens.createFamily(family, record)).toBe(true);
  });

  it('finds a token only by the hash of its whole value', async () => {
    expect((await repos.refreshTokens.find(keyOf(first.value)))!.id).toBe(first.id);
    const forged = { id: first.id, hash: '0'.repeat(64) };
    expect(await repos.refreshTokens.find(forged)).toBeNull();
  });

  it('rotates a rotatable token once: the second rotation of it is refused as used', async () => {
    const one = await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, draft());
    const two = await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, draft());

    expect(one.rotated).toBe(true);
    expect(two.rotated).toBe(false);
    expect(rotationRefusal(two.token, CLIENT, NOW)).toBe('used');
    expect(repos.refreshTokens.tokensOf(familyId)).toHaveLength(2);
  });

  it.each([
    { refusal: 'unknown', client: 'client-b', now: NOW, change: async () => undefined },
    { refusal: 'expired', client: CLIENT, now: NOW + HOUR, change: async () => undefined },
    {
      refusal: 'user_changed',
      client: CLIENT,
      now: NOW,
      change: (r: FakeRepositories) => r.users.disable('user-1', NOW, NOW),
    },
    {
      refusal: 'revoked',
      client: CLIENT,
      now: NOW,
      change: (r: FakeRepositories) =>
        r.refreshTokens.revokeFamily(familyId, {
          reason: 'admin',
          now: NOW,
          audit: {
            id: `audit-${familyId}`,
            occurred_at: NOW,
            actor: 'admin:test',
            action: 'refresh_token_family.revoked',
            target_type: 'refresh_token_family',
            target_id: familyId,
            reason: null,
          },
        }),
    },
  ])('refuses what the rotation rule refuses ($refusal), writing nothing', async ({ refusal, client, now, change }) => {
    await change(repos);
    const outcome = await repos.refreshTokens.rotatePresented(keyOf(first.value), now, {
      ...draft(),
      client_id: client,
    });

    expect(outcome.rotated).toBe(false);
    expect(rotationRefusal(outcome.token, client, now)).toBe(refusal);
    expect(repos.refreshTokens.token(first.id)!.used_at).toBeNull();
    expect(repos.refreshTokens.tokensOf(familyId)).toHaveLength(1);
  });

  it('caps a successor at the family’s absolute expiry', async () => {
    const next = { ...draft(), idle_expires_at: NOW + 48 * HOUR };
    await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, next);
    expect(repos.refreshTokens.token(next.id)!.expires_at).toBe(NOW + 24 * HOUR);
  });

  it('reissues a retry by superseding the unused successor; a used successor makes it a replay', async () => {
    const parent = (await repos.refreshTokens.findById(first.id))!;
    await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, draft());
    const retry = { ...draft(), family_id: familyId, parent_id: parent.id, subject: 'user-1', scope: 'read' };
    const record: NewRefreshToken = { ...retry, issued_at: NOW, expires_at: NOW + HOUR };

    expect(await repos.refreshTokens.reissue(record, NOW)).toBe('reissued');
    const superseded = repos.refreshTokens.tokensOf(familyId).filter((t) => t.revoked_reason === SUPERSEDED);
    expect(superseded).toHaveLength(1);

    await repos.refreshTokens.rotatePresented(keyOf(retry.value), NOW, draft());
    const again = { ...record, id: timeOrderedId(NOW) };
    expect(await repos.refreshTokens.reissue(again, NOW)).toBe('replay');
    expect(repos.refreshTokens.token(again.id)).toBeUndefined();
  });

  it('revokes a family once, with its audit record, and every token in it', async () => {
    await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, draft());

    expect(
      await repos.refreshTokens.revokeFamily(familyId, { reason: 'replay_detected', now: NOW, audit: AUDIT }),
    ).toBe(true);
    expect(
      await repos.refreshTokens.revokeFamily(familyId, {
        reason: 'admin',
        now: NOW,
        audit: { ...AUDIT, id: 'audit-2' },
      }),
    ).toBe(false);

    expect(repos.refreshTokens.family(familyId)!.revoked_reason).toBe('replay_detected');
    expect(repos.refreshTokens.tokensOf(familyId).every((t) => t.revoked_at === NOW)).toBe(true);
    expect(repos.auditEvents.events.map((e) => e.id)).toEqual(['audit-1']);
  });

  it('stores where the rotating request came from on the token it used, and nothing on a refused one', async () => {
    const from = { address: '203.0.113.7', user_agent: 'RightfulApp/1.0' };
    const next = { ...draft(), used_from: from };
    expect((await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, next)).rotated).toBe(true);
    const thief = { ...draft(), used_from: { address: '198.51.100.23', user_agent: 'curl/8.5.0' } };
    expect((await repos.refreshTokens.rotatePresented(keyOf(first.value), NOW, thief)).rotated).toBe(false);

    expect(repos.refreshTokens.token(first.id)).toMatchObject({
      used_address: from.address,
      used_user_agent: from.user_agent,
    });
    expect(repos.refreshTokens.token(next.id)).toMatchObject({ used_address: null, used_user_agent: null });
  });

  it('keeps the replay evidence of the revocation that revoked the family only', async () => {
    const firstReplay = { token_id: first.id, from: { address: '198.51.100.23', user_agent: 'curl/8.5.0' } };
    const later = { token_id: first.id, from: { address: '192.0.2.9', user_agent: 'other' } };
    expect(
      await repos.refreshTokens.revokeFamily(familyId, {
        reason: 'replay_detected',
        now: NOW,
        audit: AUDIT,
        replay: firstReplay,
      }),
    ).toBe(true);
    expect(
      await repos.refreshTokens.revokeFamily(familyId, {
        reason: 'replay_detected',
        now: NOW + HOUR,
        audit: { ...AUDIT, id: 'a2' },
        replay: later,
      }),
    ).toBe(false);

    expect(repos.refreshTokens.family(familyId)).toMatchObject({
      replayed_token_id: first.id,
      replayed_at: NOW,
      replayed_address: '198.51.100.23',
      replayed_user_agent: 'curl/8.5.0',
    });
  });

  it('leaves the replay evidence empty for a revocation that is not a replay', async () => {
    expect(await repos.refreshTokens.revokeFamily(familyId, { reason: 'admin', now: NOW, audit: AUDIT })).toBe(true);
    expect(repos.refreshTokens.family(familyId)).toMatchObject({
      replayed_token_id: null,
      replayed_at: null,
      replayed_address: null,
      replayed_user_agent: null,
    });
  });

  it('revokes the active families matching a filter and counts them in the audit reason', async () => {
    expect(
      await repos.refreshTokens.revokeMatching({ client_id: 'client-b' }, { reason: 'admin', now: NOW, audit: AUDIT }),
    ).toBe(0);
    expect(
      await repos.refreshTokens.revokeMatching(
        { subject: 'user-1' },
        { reason: 'admin', now: NOW, audit: { ...AUDIT, id: 'a2' } },
      ),
    ).toBe(1);

    expect(repos.refreshTokens.token(first.id)!.revoked_reason).toBe('admin');
    expect(repos.auditEvents.events.map((e) => e.reason)).toEqual(['why (0 families)', 'why (1 families)']);
  });

  it('starts no family for a user whose token epoch moved', async () => {
    await repos.users.setPasswordHash('user-1', 'y', NOW);
    const token = minted();
    const { family, record } = newFamily(timeOrderedId(NOW), token, NOW + HOUR);

    expect(await repos.refreshTokens.createFamily(family, record)).toBe(false);
    expect(repos.refreshTokens.family(family.id)).toBeUndefined();
  });
});
