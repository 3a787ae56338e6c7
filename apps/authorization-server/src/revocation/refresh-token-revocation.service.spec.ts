import { type ClientEntity, RevocationReason, type UserEntity } from '#persistence';
import { T0, type TokenPath, buildTokenPath } from '../token/testing/token-path.js';
import { RefreshTokenRevocation } from './refresh-token-revocation.service.js';

describe(RefreshTokenRevocation.name, () => {
  let t: TokenPath;
  let client: ClientEntity;
  let other: ClientEntity;
  let alice: UserEntity;
  let bob: UserEntity;

  beforeEach(async () => {
    t = await buildTokenPath();
    ({ client } = await t.registerClient({ grant_types: ['password', 'refresh_token'] }));
    ({ client: other } = await t.registerClient({ grant_types: ['password', 'refresh_token'] }));
    alice = await t.addUser('alice');
    bob = await t.addUser('bob');
  });

  const family = (id: string) => t.repos.refreshTokens.family(id)!;
  const audits = (action: string) => t.repos.auditEvents.events.filter((e) => e.action === action);
  const revokedCount = async (reason: string): Promise<number> => {
    const metric = await t.metrics.registry.getSingleMetric('oauth_refresh_token_families_revoked_total')!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };

  describe('revokeFamily', () => {
    it('revokes the family with its reason, records the action against it and counts it', async () => {
      const { familyId } = await t.startFamily(client, alice, ['read']);

      const revoked = await t.revocation.revokeFamily(
        familyId,
        RevocationReason.Admin,
        'refresh_token_family.revoked',
        {
          actor: 'admin:ops',
          reason: 'via refresh token x',
        },
      );

      expect(revoked).toBe(true);
      expect(family(familyId)).toMatchObject({ revoked_at: T0, revoked_reason: RevocationReason.Admin });
      expect(audits('refresh_token_family.revoked')).toEqual([
        expect.objectContaining({
          actor: 'admin:ops',
          target_type: 'refresh_token_family',
          target_id: familyId,
          reason: 'via refresh token x',
          occurred_at: T0,
        }),
      ]);
      expect(await revokedCount(RevocationReason.Admin)).toBe(1);
    });

    it('answers false for a family already revoked, keeps its first reason and counts nothing more', async () => {
      const { familyId } = await t.startFamily(client, alice, ['read']);
      await t.revocation.revokeFamily(familyId, RevocationReason.Replay, 'refresh_token.reuse_detected', {
        actor: `client:${client.client_id}`,
        reason: 'first',
      });

      const again = await t.revocation.revokeFamily(familyId, RevocationReason.Admin, 'refresh_token_family.revoked', {
        actor: 'admin:ops',
        reason: 'second',
      });

      expect(again).toBe(false);
      expect(family(familyId).revoked_reason).toBe(RevocationReason.Replay);
      expect(await revokedCount(RevocationReason.Replay)).toBe(1);
      expect(await revokedCount(RevocationReason.Admin)).toBe(0);
    });
  });

  describe('revokeMatching', () => {
    it('revokes only the families of the subject, recorded against the subject, counted per family', async () => {
      const a1 = await t.startFamily(client, alice, ['read']);
      const a2 = await t.startFamily(other, alice, ['read']);
      const b1 = await t.startFamily(client, bob, ['read']);

      const n = await t.revocation.revokeMatching({ subject: alice.id }, RevocationReason.UserDisabled, {
        actor: 'admin:ops',
        reason: 'user_disabled',
      });

      expect(n).toBe(2);
      expect(family(a1.familyId).revoked_reason).toBe(RevocationReason.UserDisabled);
      expect(family(a2.familyId).revoked_reason).toBe(RevocationReason.UserDisabled);
      expect(family(b1.familyId).revoked_at).toBeNull();
      expect(audits('refresh_tokens.bulk_revoked')).toEqual([
        expect.objectContaining({ actor: 'admin:ops', target_type: 'subject', target_id: alice.id }),
      ]);
      expect(await revokedCount(RevocationReason.UserDisabled)).toBe(2);
    });

    it('revokes a subject at one client only when both are given, recorded against the subject', async () => {
      const a1 = await t.startFamily(client, alice, ['read']);
      const a2 = await t.startFamily(other, alice, ['read']);

      const n = await t.revocation.revokeMatching(
        { subject: alice.id, client_id: client.client_id },
        RevocationReason.Admin,
        { actor: 'admin:ops', reason: 'consent withdrawn' },
      );

      expect(n).toBe(1);
      expect(family(a1.familyId).revoked_at).toBe(T0);
      expect(family(a2.familyId).revoked_at).toBeNull();
      expect(audits('refresh_tokens.bulk_revoked')[0]).toMatchObject({ target_type: 'subject', target_id: alice.id });
    });

    it('revokes every family of a client, recorded against the client', async () => {
      const a1 = await t.startFamily(client, alice, ['read']);
      const b1 = await t.startFamily(client, bob, ['read']);
      const a2 = await t.startFamily(other, alice, ['read']);

      const n = await t.revocation.revokeMatching({ client_id: client.client_id }, RevocationReason.ClientDeleted, {
        actor: 'admin:ops',
        reason: 'client deleted',
      });

      expect(n).toBe(2);
      expect([a1, b1].map((f) => family(f.familyId).revoked_reason)).toEqual([
        RevocationReason.ClientDeleted,
        RevocationReason.ClientDeleted,
      ]);
      expect(family(a2.familyId).revoked_at).toBeNull();
      expect(audits('refresh_tokens.bulk_revoked')[0]).toMatchObject({
        target_type: 'client',
        target_id: client.client_id,
      });
      expect(await revokedCount(RevocationReason.ClientDeleted)).toBe(2);
    });

    it('refuses a filter with neither subject nor client, revoking and recording nothing', async () => {
      const a1 = await t.startFamily(client, alice, ['read']);

      await expect(
        t.revocation.revokeMatching({}, RevocationReason.Admin, { actor: 'admin:ops', reason: 'everything' }),
      ).rejects.toThrow('a bulk revocation needs a subject or a client_id');

      expect(family(a1.familyId).revoked_at).toBeNull();
      expect(audits('refresh_tokens.bulk_revoked')).toEqual([]);
    });
  });
});
