import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  UnauthorizedClientError,
  mintRefreshToken,
  timeOrderedId,
} from '#oauth';
import { type ClientEntity, RevocationReason, SUPERSEDED, type UserEntity } from '#persistence';
import {
  DAY,
  MINUTE,
  SECOND,
  T0,
  type TokenPath,
  buildTokenPath,
  refusalOf,
  accessTokenClaims,
  refusedWith,
} from '../testing/token-path.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';

const IDLE = 14 * DAY;
const ABSOLUTE = 30 * DAY;

describe(RefreshTokenGrant.name, () => {
  let t: TokenPath;
  let client: ClientEntity;
  let user: UserEntity;
  let family: { familyId: string; value: string };

  beforeEach(async () => {
    t = await buildTokenPath();
    ({ client } = await t.registerClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' }));
    user = await t.addUser('alice');
    family = await t.startFamily(client, user, ['read', 'write']);
  });

  const stored = (value: string) => t.repos.refreshTokens.token(t.tokenId(value))!;
  const storedFamily = () => t.repos.refreshTokens.family(family.familyId)!;

  const expectInvalidGrant = (work: Promise<unknown>, description: string) =>
    refusedWith(work, InvalidGrantError, description);

  describe('a valid refresh token', () => {
    it('is rotated: marked used, with a successor in the same family that works in turn', async () => {
      const first = await t.refresh(client, family.value);

      expect(first.refresh_token).toMatch(/^asrt_/);
      expect(first.refresh_token).not.toBe(family.value);
      expect(stored(family.value).used_at).toBe(T0);
      const successor = stored(first.refresh_token!);
      expect(successor).toMatchObject({ family_id: family.familyId, parent_id: t.tokenId(family.value) });
      expect(successor.used_at).toBeNull();

      const second = await t.refresh(client, first.refresh_token!);
      expect(stored(first.refresh_token!).used_at).toBe(T0);
      expect(stored(second.refresh_token!).parent_id).toBe(successor.id);
    });

    it('answers an access token of the family for the grant user (sid is the family)', async () => {
      const response = await t.refresh(client, family.value);

      expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'read write' });
      expect(accessTokenClaims(response.access_token)).toMatchObject({
        sub: user.id,
        client_id: client.client_id,
        sid: family.familyId,
        scope: 'read write',
      });
    });

    it('gives the successor a fresh idle lifetime, never past the family', async () => {
      t.clock.advance(10 * DAY);
      const response = await t.refresh(client, family.value);
      expect(stored(response.refresh_token!).expires_at).toBe(T0 + 10 * DAY + IDLE);

      t.clock.advance(10 * DAY);
      const next = await t.refresh(client, response.refresh_token!);
      expect(stored(next.refresh_token!).expires_at).toBe(T0 + ABSOLUTE);
    });

    it('counts the rotation', async () => {
      await t.refresh(client, family.value);
      expect(await t.metrics.scrape()).toMatch(/^oauth_refresh_tokens_rotated_total 1$/m);
    });
  });

  describe('scope (RFC 6749 6)', () => {
    it('omitted: the scope originally granted', async () => {
      expect((await t.refresh(client, family.value)).scope).toBe('read write');
    });

    it('narrower: a narrower access token, while the family keeps its ceiling', async () => {
      const narrow = await t.refresh(client, family.value, 'read');
      expect(narrow.scope).toBe('read');
      expect(accessTokenClaims(narrow.access_token).scope).toBe('read');

      const again = await t.refresh(client, narrow.refresh_token!);
      expect(again.scope).toBe('read write');
      expect(storedFamily().scope).toBe('read write');
    });

    it('wider: invalid_scope, and the presented token stays unused', async () => {
      await t.repos.clients.update(client.client_id, { scope: 'read write admin:read' });
      client = await t.reload(client);

      const error = await refusalOf(t.refresh(client, family.value, 'read write admin:read'));

      expect(error).toBeInstanceOf(InvalidScopeError);
      expect(stored(family.value).used_at).toBeNull();
      expect(t.repos.refreshTokens.tokensOf(family.familyId)).toHaveLength(1);
    });

    it('malformed: invalid_scope, and the presented token stays unused', async () => {
      expect(await refusalOf(t.refresh(client, family.value, 'read  write'))).toBeInstanceOf(InvalidScopeError);
      expect(stored(family.value).used_at).toBeNull();
    });

    it("is cut to the client's current scope when the client was narrowed since the grant", async () => {
      await t.repos.clients.update(client.client_id, { scope: 'read' });
      client = await t.reload(client);

      const response = await t.refresh(client, family.value);
      expect(response.scope).toBe('read');
      expect(accessTokenClaims(response.access_token).scope).toBe('read');
      expect(storedFamily().scope).toBe('read write');
    });

    it('refuses a scope the client no longer has even though the family holds it (invalid_scope)', async () => {
      await t.repos.clients.update(client.client_id, { scope: 'read' });
      client = await t.reload(client);

      expect(await refusalOf(t.refresh(client, family.value, 'write'))).toBeInstanceOf(InvalidScopeError);
      expect(stored(family.value).used_at).toBeNull();
    });
  });

  /** The refusals, on both ways in: without scope (find and rotate at once) and with one (find, check, rotate). */
  describe.each([
    { path: 'without scope', scope: undefined },
    { path: 'with scope', scope: 'read' },
  ])('refusals ($path)', ({ scope }) => {
    it('a value of no token shape: invalid_grant', async () => {
      await expectInvalidGrant(t.refresh(client, 'not-a-refresh-token', scope), 'the refresh token is invalid');
    });

    it('a well-formed value of no stored token: invalid_grant', async () => {
      const { value } = await t.startFamily(client, user, ['read']);
      const forged = value.slice(0, -4) + (value.endsWith('AAAA') ? 'BBBB' : 'AAAA');

      await expectInvalidGrant(t.refresh(client, forged, scope), 'the refresh token is invalid');
      expect(stored(value).used_at).toBeNull();
    });

    it("another client's token: invalid_grant, and the token stays unused in a live family", async () => {
      const { client: other } = await t.registerClient({ grant_types: ['refresh_token'], scope: 'read write' });

      await expectInvalidGrant(t.refresh(other, family.value, scope), 'the refresh token is invalid');
      expect(stored(family.value)).toMatchObject({ used_at: null, revoked_at: null });
      expect(storedFamily().revoked_at).toBeNull();
      await expect(t.refresh(client, family.value)).resolves.toHaveProperty('refresh_token');
    });

    it('a token of a revoked family: invalid_grant', async () => {
      await t.revocation.revokeFamily(family.familyId, RevocationReason.Admin, 'refresh_token_family.revoked', {
        actor: 'admin:test',
        reason: 'revoked by the test',
      });

      await expectInvalidGrant(t.refresh(client, family.value, scope), 'the refresh token has been revoked');
      expect(stored(family.value).used_at).toBeNull();
    });

    it('past its idle expiry: invalid_grant, also at the very instant of expiry', async () => {
      t.clock.advance(IDLE);
      await expectInvalidGrant(t.refresh(client, family.value, scope), 'the refresh token has expired');
      expect(stored(family.value).used_at).toBeNull();
    });

    it("past the family's absolute expiry, even for a token whose own expiry is later", async () => {
      const familyId = timeOrderedId(T0);
      const id = timeOrderedId(T0);
      const { value, hash } = mintRefreshToken(id);
      const subject = user.id;
      await t.repos.refreshTokens.createFamily(
        {
          id: familyId,
          client_id: client.client_id,
          subject,
          scope: 'read write',
          created_at: T0,
          expires_at: T0 + DAY,
          user_epoch: 0,
        },
        {
          id,
          family_id: familyId,
          parent_id: null,
          client_id: client.client_id,
          subject,
          token_hash: hash,
          scope: 'read write',
          issued_at: T0,
          expires_at: T0 + IDLE,
        },
      );
      t.clock.advance(DAY);

      await expectInvalidGrant(t.refresh(client, value, scope), 'the refresh token has expired');
      expect(stored(value).used_at).toBeNull();
    });

    it("a chain of rotations ends at the family's absolute expiry", async () => {
      let value = family.value;
      for (let day = 10; day < 30; day += 10) {
        t.clock.advance(10 * DAY);
        value = (await t.refresh(client, value)).refresh_token!;
      }
      t.clock.advance(10 * DAY);

      expect(stored(value).expires_at).toBe(T0 + ABSOLUTE);
      await expectInvalidGrant(t.refresh(client, value, scope), 'the refresh token has expired');
    });

    it('one millisecond before expiry: still rotated', async () => {
      t.clock.advance(IDLE - 1);
      await expect(t.refresh(client, family.value, scope)).resolves.toHaveProperty('refresh_token');
    });

    describe("the grant's user changed since the grant began", () => {
      const ended = 'the grant ended: the user was disabled, removed or changed password';

      it('disabled: invalid_grant, and still after being enabled again', async () => {
        await t.users.setDisabled(user.id, true);
        await expectInvalidGrant(t.refresh(client, family.value, scope), ended);

        await t.users.setDisabled(user.id, false);
        await expectInvalidGrant(t.refresh(client, family.value, scope), ended);
        expect(stored(family.value).used_at).toBeNull();
      });

      it('deleted: invalid_grant', async () => {
        await t.users.delete(user.id);
        await expectInvalidGrant(t.refresh(client, family.value, scope), ended);
      });

      it('new password: invalid_grant', async () => {
        await t.repos.users.setPasswordHash(user.id, 'another-hash', T0);
        await expectInvalidGrant(t.refresh(client, family.value, scope), ended);
      });
    });

    it('the client no longer has the refresh_token grant: unauthorized_client, the token stays unused', async () => {
      await t.repos.clients.update(client.client_id, { grant_types: ['password'] });
      client = await t.reload(client);

      expect(await refusalOf(t.refresh(client, family.value, scope))).toBeInstanceOf(UnauthorizedClientError);
      expect(stored(family.value).used_at).toBeNull();
    });
  });

  it('refresh_token missing: invalid_request', async () => {
    expect(await refusalOf(t.token(client, { grant_type: 'refresh_token' }))).toBeInstanceOf(InvalidRequestError);
  });

  describe('replay (RFC 9700 4.14.2)', () => {
    it('a rotated token presented again revokes the whole family, newest token included', async () => {
      const successor = (await t.refresh(client, family.value)).refresh_token!;
      t.clock.advance(SECOND);

      await expectInvalidGrant(
        t.refresh(client, family.value),
        'the refresh token was already used; the grant has been revoked',
      );

      expect(storedFamily()).toMatchObject({ revoked_at: T0 + SECOND, revoked_reason: RevocationReason.Replay });
      for (const token of t.repos.refreshTokens.tokensOf(family.familyId)) expect(token.revoked_at).not.toBeNull();
      expect(stored(successor).used_at).toBeNull();
      await expectInvalidGrant(t.refresh(client, successor), 'the refresh token has been revoked');
    });

    it('records the reuse as an audit event of the client, naming the family', async () => {
      await t.refresh(client, family.value);
      await refusalOf(t.refresh(client, family.value));

      expect(t.repos.auditEvents.events).toEqual([
        expect.objectContaining({
          actor: `client:${client.client_id}`,
          action: 'refresh_token.reuse_detected',
          target_type: 'refresh_token_family',
          target_id: family.familyId,
          reason: `rotated token ${t.tokenId(family.value)} presented again`,
        }),
      ]);
      const metrics = await t.metrics.scrape();
      expect(metrics).toMatch(/^oauth_refresh_token_reuse_detected_total 1$/m);
      expect(metrics).toMatch(/^oauth_refresh_token_families_revoked_total\{reason="replay_detected"\} 1$/m);
    });

    it('is detected with a scope too', async () => {
      await t.refresh(client, family.value);
      await expectInvalidGrant(
        t.refresh(client, family.value, 'read'),
        'the refresh token was already used; the grant has been revoked',
      );
      expect(storedFamily().revoked_reason).toBe(RevocationReason.Replay);
    });

    it("leaves the client's other families alone", async () => {
      const other = await t.startFamily(client, user, ['read']);
      await t.refresh(client, family.value);
      await refusalOf(t.refresh(client, family.value));

      expect(t.repos.refreshTokens.family(other.familyId)!.revoked_at).toBeNull();
      await expect(t.refresh(client, other.value)).resolves.toHaveProperty('refresh_token');
    });
  });

  describe('where each request came from (RFC 9700 4.14 forensics)', () => {
    const RIGHTFUL = { address: '203.0.113.7', userAgent: 'RightfulApp/1.0' };
    const THIEF = { address: '198.51.100.23', userAgent: 'curl/8.5.0' };
    const refreshFrom = (from: { address: string; userAgent?: string }, value: string, scope?: string) =>
      t.registry.handle({ grant_type: 'refresh_token', refresh_token: value, scope }, client, from);

    it('stores the address and User-Agent of the rotating request on the token it used', async () => {
      const second = (await refreshFrom(RIGHTFUL, family.value)).refresh_token!;
      expect(stored(family.value)).toMatchObject({
        used_address: RIGHTFUL.address,
        used_user_agent: RIGHTFUL.userAgent,
      });
      expect(stored(second)).toMatchObject({ used_address: null, used_user_agent: null });

      // With a scope the grant rotates through another path: the same is stored.
      await refreshFrom({ address: '192.0.2.5' }, second, 'read');
      expect(stored(second)).toMatchObject({ used_address: '192.0.2.5', used_user_agent: null });
    });

    it('stores the User-Agent bounded to 200 characters, without control characters', async () => {
      await refreshFrom({ address: '192.0.2.5', userAgent: `A\u0007${'b'.repeat(300)}` }, family.value);
      expect(stored(family.value).used_user_agent).toBe(`A${'b'.repeat(199)}`);
    });

    it('keeps the replaying request on the family it revokes, the rightful use on the successor', async () => {
      const second = (await refreshFrom(RIGHTFUL, family.value)).refresh_token!;
      await refreshFrom(RIGHTFUL, second);
      t.clock.advance(SECOND);

      await refusalOf(refreshFrom(THIEF, family.value));

      expect(storedFamily()).toMatchObject({
        revoked_reason: RevocationReason.Replay,
        replayed_token_id: t.tokenId(family.value),
        replayed_at: T0 + SECOND,
        replayed_address: THIEF.address,
        replayed_user_agent: THIEF.userAgent,
      });
      expect(stored(second)).toMatchObject({ used_address: RIGHTFUL.address, used_user_agent: RIGHTFUL.userAgent });
    });

    it('keeps the replay of a token a retry replaced too', async () => {
      await t.repos.clients.update(client.client_id, { refresh_token_reuse_interval: 60 });
      client = await t.reload(client);
      const replaced = (await refreshFrom(RIGHTFUL, family.value)).refresh_token!;
      await refreshFrom(RIGHTFUL, family.value);

      await refusalOf(refreshFrom(THIEF, replaced));

      expect(storedFamily()).toMatchObject({ replayed_token_id: t.tokenId(replaced), replayed_address: THIEF.address });
    });
  });

  describe('reuse interval (retries)', () => {
    beforeEach(async () => {
      await t.repos.clients.update(client.client_id, { refresh_token_reuse_interval: 60 });
      client = await t.reload(client);
    });

    it('a retry within the interval whose successor is unused gets a new successor that replaces it', async () => {
      const first = (await t.refresh(client, family.value)).refresh_token!;
      t.clock.advance(30 * SECOND);

      const retry = (await t.refresh(client, family.value)).refresh_token!;

      expect(retry).not.toBe(first);
      expect(stored(first)).toMatchObject({ revoked_at: T0 + 30 * SECOND, revoked_reason: SUPERSEDED });
      expect(stored(retry)).toMatchObject({ parent_id: t.tokenId(family.value), revoked_at: null });
      expect(storedFamily().revoked_at).toBeNull();
      await expect(t.refresh(client, retry)).resolves.toHaveProperty('refresh_token');
    });

    it('presenting a token a retry replaced is a replay: the family is revoked', async () => {
      const first = (await t.refresh(client, family.value)).refresh_token!;
      await t.refresh(client, family.value);

      await expectInvalidGrant(
        t.refresh(client, first),
        'the refresh token was already used; the grant has been revoked',
      );
      expect(storedFamily().revoked_reason).toBe(RevocationReason.Replay);
    });

    it('a retry within the interval after the successor was used is a replay', async () => {
      const first = (await t.refresh(client, family.value)).refresh_token!;
      await t.refresh(client, first);
      t.clock.advance(SECOND);

      await expectInvalidGrant(
        t.refresh(client, family.value),
        'the refresh token was already used; the grant has been revoked',
      );
      expect(storedFamily().revoked_reason).toBe(RevocationReason.Replay);
    });

    it('a retry once the interval has passed is a replay', async () => {
      await t.refresh(client, family.value);
      t.clock.advance(60 * SECOND);

      await expectInvalidGrant(
        t.refresh(client, family.value),
        'the refresh token was already used; the grant has been revoked',
      );
      expect(storedFamily().revoked_reason).toBe(RevocationReason.Replay);
    });

    it('a retry after the family was revoked is refused without another revocation', async () => {
      await t.refresh(client, family.value);
      await t.revocation.revokeFamily(family.familyId, RevocationReason.Admin, 'refresh_token_family.revoked', {
        actor: 'admin:test',
        reason: 'revoked by the test',
      });

      await expectInvalidGrant(t.refresh(client, family.value), 'the refresh token has been revoked');
      expect(storedFamily().revoked_reason).toBe(RevocationReason.Admin);
      // Only the admin's own record: the retry recorded no reuse.
      expect(t.repos.auditEvents.events.map((e) => e.action)).toEqual(['refresh_token_family.revoked']);
    });
  });

  describe('a client that does not rotate', () => {
    beforeEach(async () => {
      await t.repos.clients.update(client.client_id, { refresh_token_rotation: false });
      client = await t.reload(client);
    });

    it('keeps the token (no refresh_token in the answer) and slides its idle expiry', async () => {
      t.clock.advance(DAY);
      const response = await t.refresh(client, family.value);

      expect(response.refresh_token).toBeUndefined();
      expect(stored(family.value)).toMatchObject({ used_at: null, expires_at: T0 + DAY + IDLE });
      await expect(t.refresh(client, family.value)).resolves.toHaveProperty('access_token');
    });

    it("never slides the token past the family's absolute expiry", async () => {
      t.clock.advance(10 * DAY);
      await t.refresh(client, family.value);
      t.clock.advance(10 * DAY);
      await t.refresh(client, family.value);
      expect(stored(family.value).expires_at).toBe(T0 + ABSOLUTE);
    });

    it('still refuses a token of a revoked family', async () => {
      await t.revocation.revokeFamily(family.familyId, RevocationReason.Admin, 'refresh_token_family.revoked', {
        actor: 'admin:test',
        reason: 'revoked by the test',
      });
      await expectInvalidGrant(t.refresh(client, family.value), 'the refresh token has been revoked');
    });
  });

  it('a minute after issue the access token is dated now, not at the grant', async () => {
    t.clock.advance(MINUTE);
    const { access_token } = await t.refresh(client, family.value);
    expect(accessTokenClaims(access_token).iat).toBe((T0 + MINUTE) / 1000);
  });
});
