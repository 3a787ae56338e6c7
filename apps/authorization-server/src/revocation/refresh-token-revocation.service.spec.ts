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

    it("keeps a replay's evidence on the family it revokes, in the revocation itself", async () => {
      const { familyId } = await t.startFamily(client, alice, ['read']);
      const from = { address: '198.51.100.23', user_agent: 'curl/8.5.0' };

      await t.revocation.revokeFamily(familyId, RevocationReason.Replay, 'refresh_token.reuse_detected', {
        actor: `client:${client.client_id}`,
        reason: 'rotated token x presented again',
        replay: { token_id: 'x', from },
      });

      expect(family(familyId)).toMatchObject({
        revoked_reason: RevocationReason.Replay,
        replayed_token_id: 'x',
        replayed_at: T0,
        replayed_address: from.address,
        replayed_user_agent: from.user_agent,
      });
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

  describe('security events', () => {
    let watched: ClientEntity;

    beforeEach(async () => {
      ({ client: watched } = await t.registerClient({
        grant_types: ['password', 'refresh_token'],
        security_event_endpoint: 'https://app.example/events',
      }));
    });

    const queued = async (type: string): Promise<number> => {
      const metric = await t.metrics.registry.getSingleMetric('security_events_queued_total')!.get();
      return metric.values.find((v) => v.labels.type === type)?.value ?? 0;
    };

    it('queues the reuse event for a replayed family of a client with an endpoint, and counts it', async () => {
      const { familyId } = await t.startFamily(watched, alice, ['read']);

      await t.revocation.revokeFamily(familyId, RevocationReason.Replay, 'refresh_token.reuse_detected', {
        actor: `client:${watched.client_id}`,
        reason: 'replay',
      });

      expect(t.repos.securityEvents.events).toEqual([
        expect.objectContaining({
          client_id: watched.client_id,
          type: 'refresh_token_reuse_detected',
          subject: alice.id,
          family_ids: [familyId],
          reason: RevocationReason.Replay,
          status: 'pending',
        }),
      ]);
      expect(await queued('refresh_token_reuse_detected')).toBe(1);
    });

    it('queues the reuse event for a family whose authorization code was presented again', async () => {
      const { familyId } = await t.startFamily(watched, alice, ['read']);

      await t.revocation.revokeFamily(familyId, RevocationReason.CodeReplay, 'authorization_code.reuse_detected', {
        actor: `client:${watched.client_id}`,
        reason: 'code presented again',
      });

      expect(t.repos.securityEvents.events).toEqual([
        expect.objectContaining({
          type: 'refresh_token_reuse_detected',
          reason: RevocationReason.CodeReplay,
          family_ids: [familyId],
        }),
      ]);
    });

    it('queues nothing for a client without an endpoint, for a family already revoked, or for a client’s own request', async () => {
      const plain = await t.startFamily(client, alice, ['read']);
      await t.revocation.revokeFamily(plain.familyId, RevocationReason.Replay, 'refresh_token.reuse_detected', {
        actor: 'system',
        reason: 'replay',
      });
      const own = await t.startFamily(watched, alice, ['read']);
      await t.revocation.revokeFamily(own.familyId, RevocationReason.ClientRequest, 'refresh_token.revoked', {
        actor: `client:${watched.client_id}`,
        reason: 'RFC 7009',
      });
      await t.revocation.revokeFamily(own.familyId, RevocationReason.Admin, 'refresh_token_family.revoked', {
        actor: 'admin:ops',
        reason: 'again',
      });

      expect(t.repos.securityEvents.events).toEqual([]);
    });

    it('queues one event per client with an endpoint whose families a user change revoked, sharing one txn', async () => {
      const w1 = await t.startFamily(watched, alice, ['read']);
      const w2 = await t.startFamily(watched, alice, ['read']);
      await t.startFamily(client, alice, ['read']);

      await t.revocation.revokeMatching({ subject: alice.id }, RevocationReason.PasswordChanged, {
        actor: 'admin:ops',
        reason: 'password_changed',
      });

      const events = t.repos.securityEvents.events;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        client_id: watched.client_id,
        type: 'user_password_changed',
        subject: alice.id,
      });
      expect([...events[0].family_ids].sort()).toEqual([w1.familyId, w2.familyId].sort());
    });

    it('queues the secret rotation event with the new secret', async () => {
      const { client: rotating } = await t.registerClient({
        grant_types: ['client_credentials'],
        security_event_endpoint: 'https://app.example/events',
      });

      await t.clients.rotateSecret(rotating.client_id);

      expect(t.repos.securityEvents.events).toEqual([
        expect.objectContaining({ client_id: rotating.client_id, type: 'client_secret_rotated', family_ids: [] }),
      ]);
    });
  });
});
