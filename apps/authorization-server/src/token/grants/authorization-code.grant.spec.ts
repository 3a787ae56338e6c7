import { createHash, randomBytes } from 'node:crypto';
import { InvalidGrantError, UnauthorizedClientError, hashSecret, mintSecret, SecretPrefix } from '#oauth';
import { type ClientEntity, RevocationReason, type UserEntity } from '#persistence';
import { MINUTE, SECOND, T0, type TokenPath, buildTokenPath, refusalOf, refusedWith } from '../testing/token-path.js';
import { AuthorizationCodeGrant } from './authorization-code.grant.js';

const REDIRECT_URI = 'https://app.test/callback';
const OTHER_URI = 'https://app.test/other';

interface CodeOptions {
  client?: ClientEntity;
  scope?: string[];
  redirectUriSent?: boolean;
  /** null: no PKCE in the authorization request. */
  verifier?: string | null;
}

const newVerifier = () => randomBytes(32).toString('base64url');
const challengeOf = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

describe(AuthorizationCodeGrant.name, () => {
  let t: TokenPath;
  let client: ClientEntity;
  let user: UserEntity;

  beforeEach(async () => {
    t = await buildTokenPath();
    ({ client } = await t.registerClient({
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [REDIRECT_URI, OTHER_URI],
      scope: 'read write offline_access',
    }));
    user = await t.addUser('alice');
  });

  /** A code as GET /oauth/authorize issues it after sign-in and consent, with the verifier that goes with it. */
  async function issueCode(options: CodeOptions = {}) {
    const verifier = options.verifier === undefined ? newVerifier() : options.verifier;
    const code = await t.codes.issue(
      {
        client: options.client ?? client,
        redirectUri: REDIRECT_URI,
        redirectUriSent: options.redirectUriSent ?? true,
        scope: options.scope ?? ['read', 'write'],
        codeChallenge: verifier === null ? null : challengeOf(verifier),
        dpopJkt: null,
        query: '',
      },
      user,
    );
    return { code, verifier: verifier ?? undefined };
  }

  const exchange = (code: string, extra: Record<string, string | undefined> = {}, as: ClientEntity = client) =>
    t.token(as, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...extra });

  const storedCode = async (code: string) =>
    t.repos.authorizationCodes.row((await t.repos.authorizationCodes.findByHash(hashSecret(code)))!.id)!;

  const expectInvalidGrant = (work: Promise<unknown>, description: string) =>
    refusedWith(work, InvalidGrantError, description);

  describe('a valid code', () => {
    it('is exchanged once for an access token and the first refresh token of a new family', async () => {
      const { code, verifier } = await issueCode();

      const response = await exchange(code, { redirect_uri: REDIRECT_URI, code_verifier: verifier });

      const stored = await storedCode(code);
      expect(stored.used_at).toBe(T0);
      expect(stored.family_id).not.toBeNull();
      expect(response).toMatchObject({ token_type: 'Bearer', scope: 'read write', expires_in: 900 });
      const first = t.repos.refreshTokens.token(t.tokenId(response.refresh_token!))!;
      expect(first).toMatchObject({ family_id: stored.family_id, parent_id: null, scope: 'read write' });
      expect(t.repos.refreshTokens.family(stored.family_id!)).toMatchObject({
        client_id: client.client_id,
        subject: user.id,
        scope: 'read write',
        revoked_at: null,
      });
      await expect(t.refresh(client, response.refresh_token!)).resolves.toHaveProperty('refresh_token');
    });

    it('gives no refresh token to a client without the refresh_token grant, but still records the grant', async () => {
      await t.repos.clients.update(client.client_id, { grant_types: ['authorization_code'] });
      client = await t.reload(client);
      const { code, verifier } = await issueCode();

      const response = await exchange(code, { code_verifier: verifier });

      expect(response.refresh_token).toBeUndefined();
      const familyId = (await storedCode(code)).family_id!;
      expect(t.repos.refreshTokens.family(familyId)).toBeDefined();
      expect(t.repos.refreshTokens.tokensOf(familyId)).toEqual([]);
    });

    describe('a client that asks for offline_access before a refresh token', () => {
      beforeEach(async () => {
        await t.repos.clients.update(client.client_id, { refresh_token_requires_offline_access: true });
        client = await t.reload(client);
      });

      it('gets none when offline_access was not granted', async () => {
        const { code, verifier } = await issueCode({ scope: ['read'] });
        expect((await exchange(code, { code_verifier: verifier })).refresh_token).toBeUndefined();
      });

      it('gets one when offline_access was granted', async () => {
        const { code, verifier } = await issueCode({ scope: ['read', 'offline_access'] });
        expect((await exchange(code, { code_verifier: verifier })).refresh_token).toMatch(/^asrt_/);
      });
    });

    it('may omit redirect_uri when the authorization request did not send it', async () => {
      const { code, verifier } = await issueCode({ redirectUriSent: false });
      await expect(exchange(code, { redirect_uri: undefined, code_verifier: verifier })).resolves.toHaveProperty(
        'access_token',
      );
    });

    it('needs no code_verifier when the authorization request had no code_challenge', async () => {
      const { code } = await issueCode({ verifier: null });
      await expect(exchange(code, { redirect_uri: REDIRECT_URI })).resolves.toHaveProperty('access_token');
    });
  });

  describe('code reuse (RFC 6749 4.1.2)', () => {
    it('is refused and revokes the family issued from the code, with an audit event', async () => {
      const { code, verifier } = await issueCode();
      const first = await exchange(code, { code_verifier: verifier });
      const familyId = (await storedCode(code)).family_id!;
      t.clock.advance(SECOND);

      await expectInvalidGrant(
        exchange(code, { code_verifier: verifier }),
        'the authorization code was already used; the tokens issued from it are revoked',
      );

      expect(t.repos.refreshTokens.family(familyId)).toMatchObject({
        revoked_at: T0 + SECOND,
        revoked_reason: RevocationReason.CodeReplay,
      });
      await expectInvalidGrant(t.refresh(client, first.refresh_token!), 'the refresh token has been revoked');
      expect(t.repos.auditEvents.events).toEqual([
        expect.objectContaining({
          actor: `client:${client.client_id}`,
          action: 'authorization_code.reuse_detected',
          target_id: familyId,
        }),
      ]);
      expect(await t.metrics.scrape()).toMatch(/^oauth_authorization_code_reuse_detected_total 1$/m);
    });

    it('keeps where the replaying request came from on the family it revokes (no token id: a code was replayed)', async () => {
      const { code, verifier } = await issueCode();
      await exchange(code, { code_verifier: verifier });
      const familyId = (await storedCode(code)).family_id!;
      t.clock.advance(SECOND);
      const params = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };

      await refusalOf(t.registry.handle(params, client, { address: '198.51.100.23', userAgent: 'Thief/1.0\r\n' }));

      expect(t.repos.refreshTokens.family(familyId)).toMatchObject({
        replayed_token_id: null,
        replayed_at: T0 + SECOND,
        replayed_address: '198.51.100.23',
        replayed_user_agent: 'Thief/1.0',
      });
    });

    it('is detected after the code expired too', async () => {
      const { code, verifier } = await issueCode();
      await exchange(code, { code_verifier: verifier });
      t.clock.advance(10 * MINUTE);

      await expectInvalidGrant(
        exchange(code, { code_verifier: verifier }),
        'the authorization code was already used; the tokens issued from it are revoked',
      );
      expect(t.repos.refreshTokens.family((await storedCode(code)).family_id!)!.revoked_at).not.toBeNull();
    });
  });

  describe('refusals that leave the code unused', () => {
    it('an expired code (the code lives 60 s)', async () => {
      const { code, verifier } = await issueCode();
      t.clock.advance(60 * SECOND);

      await expectInvalidGrant(exchange(code, { code_verifier: verifier }), 'the authorization code has expired');
      expect((await storedCode(code)).used_at).toBeNull();
    });

    it("another client's code", async () => {
      const { client: other } = await t.registerClient({
        grant_types: ['authorization_code'],
        redirect_uris: [REDIRECT_URI],
      });
      const { code, verifier } = await issueCode();

      await expectInvalidGrant(exchange(code, { code_verifier: verifier }, other), 'the authorization code is invalid');
      expect((await storedCode(code)).used_at).toBeNull();
      await expect(exchange(code, { code_verifier: verifier })).resolves.toHaveProperty('access_token');
    });

    it('a value of no code shape, and a well-formed code never issued', async () => {
      await expectInvalidGrant(exchange('asac_short'), 'the authorization code is invalid');
      await expectInvalidGrant(
        exchange(mintSecret(SecretPrefix.AuthorizationCode).value),
        'the authorization code is invalid',
      );
    });

    it('a redirect_uri other than the authorization request’s', async () => {
      const { code, verifier } = await issueCode();

      await expectInvalidGrant(
        exchange(code, { redirect_uri: OTHER_URI, code_verifier: verifier }),
        'redirect_uri does not match the authorization request',
      );
      expect((await storedCode(code)).used_at).toBeNull();
    });

    it('a redirect_uri omitted although the authorization request sent it', async () => {
      const { code, verifier } = await issueCode({ redirectUriSent: true });

      await expectInvalidGrant(
        exchange(code, { redirect_uri: undefined, code_verifier: verifier }),
        'redirect_uri is required: the authorization request included it',
      );
      expect((await storedCode(code)).used_at).toBeNull();
    });

    describe('PKCE (RFC 7636 4.6)', () => {
      it('a missing code_verifier', async () => {
        const { code } = await issueCode();
        await expectInvalidGrant(exchange(code), 'code_verifier does not match the code_challenge');
        expect((await storedCode(code)).used_at).toBeNull();
      });

      it('a code_verifier of another request', async () => {
        const { code } = await issueCode();
        await expectInvalidGrant(
          exchange(code, { code_verifier: newVerifier() }),
          'code_verifier does not match the code_challenge',
        );
        expect((await storedCode(code)).used_at).toBeNull();
      });

      it('a code_verifier when the authorization request had no code_challenge (RFC 9700 2.1.1)', async () => {
        const { code } = await issueCode({ verifier: null });
        await expectInvalidGrant(
          exchange(code, { code_verifier: newVerifier() }),
          'code_verifier sent, but the authorization request had no code_challenge',
        );
        expect((await storedCode(code)).used_at).toBeNull();
      });
    });

    it('a user disabled since signing in, even once enabled again', async () => {
      const { code, verifier } = await issueCode();
      await t.users.setDisabled(user.id, true);
      await t.users.setDisabled(user.id, false);

      await expectInvalidGrant(exchange(code, { code_verifier: verifier }), 'the authorization code is invalid');
      expect((await storedCode(code)).used_at).toBeNull();
    });

    it('a user who changed password since signing in', async () => {
      const { code, verifier } = await issueCode();
      await t.repos.users.setPasswordHash(user.id, 'another-hash', T0);

      await expectInvalidGrant(exchange(code, { code_verifier: verifier }), 'the authorization code is invalid');
    });

    it('a client that lost the authorization_code grant (unauthorized_client)', async () => {
      const { code, verifier } = await issueCode();
      await t.repos.clients.update(client.client_id, { grant_types: ['refresh_token'] });
      client = await t.reload(client);

      expect(await refusalOf(exchange(code, { code_verifier: verifier }))).toBeInstanceOf(UnauthorizedClientError);
      expect((await storedCode(code)).used_at).toBeNull();
    });
  });
});
