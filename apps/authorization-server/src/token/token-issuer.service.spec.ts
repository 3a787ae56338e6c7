import { errors, jwtVerify } from 'jose';
import { GrantType, hashSecret, refreshTokenKey } from '#oauth';
import type { ClientEntity, UserEntity } from '#persistence';
import { AUDIENCE, DAY, ISSUER, T0, type TokenPath, buildTokenPath } from './testing/token-path.js';
import { TokenIssuer } from './token-issuer.service.js';

const IDLE = 14 * DAY;
const ABSOLUTE = 30 * DAY;

describe(TokenIssuer.name, () => {
  let t: TokenPath;
  let client: ClientEntity;
  let user: UserEntity;

  beforeEach(async () => {
    t = await buildTokenPath();
    ({ client } = await t.registerClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' }));
    user = await t.addUser('alice');
  });

  const grant = (familyId?: string) => ({
    grantType: GrantType.Password,
    client,
    subject: user.id,
    scope: ['read', 'write'],
    familyId,
  });

  /** Verified against the published key, as a resource server would (RFC 9068 4). */
  const verify = (accessToken: string) =>
    jwtVerify(accessToken, t.publicKeys, {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: new Date(t.clock.now()),
    });

  describe('the access token (RFC 9068)', () => {
    it('carries iss, aud, sub, client_id, scope, iat, exp, jti and sid, signed by the active key', async () => {
      const response = await t.issuer.respond(grant('family-1'));

      const { payload, protectedHeader } = await verify(response.access_token);

      expect(protectedHeader).toEqual({
        alg: 'ES256',
        typ: 'at+jwt',
        kid: (await t.repos.signingKeys.findActive())!.kid,
      });
      expect(payload).toEqual({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: user.id,
        client_id: client.client_id,
        scope: 'read write',
        iat: T0 / 1000,
        exp: T0 / 1000 + 900,
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sid: 'family-1',
      });
    });

    it('has no sid outside a refresh-token family', async () => {
      const { payload } = await verify((await t.issuer.respond(grant())).access_token);
      expect(payload).not.toHaveProperty('sid');
    });

    it("lives the client's access_token_lifetime from now", async () => {
      await t.repos.clients.update(client.client_id, { access_token_lifetime: 60 });
      client = await t.reload(client);
      t.clock.advance(DAY);

      const { payload } = await verify((await t.issuer.respond(grant())).access_token);

      expect(payload.iat).toBe((T0 + DAY) / 1000);
      expect(payload.exp).toBe((T0 + DAY) / 1000 + 60);
    });

    it('has a new jti each time', async () => {
      const a = await verify((await t.issuer.respond(grant())).access_token);
      const b = await verify((await t.issuer.respond(grant())).access_token);
      expect(a.payload.jti).not.toBe(b.payload.jti);
    });

    it('does not verify once a claim was altered (a real signature)', async () => {
      const [header, payload, signature] = (await t.issuer.respond(grant())).access_token.split('.');
      const altered = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), scope: 'admin' }),
      ).toString('base64url');

      await expect(verify(`${header}.${altered}.${signature}`)).rejects.toBeInstanceOf(
        errors.JWSSignatureVerificationFailed,
      );
    });

    it('has expired for a verifier past exp', async () => {
      const { access_token } = await t.issuer.respond(grant());
      t.clock.advance(900 * 1000);
      await expect(verify(access_token)).rejects.toBeInstanceOf(errors.JWTExpired);
    });
  });

  describe('the response (RFC 6749 5.1)', () => {
    it('is exactly access_token, token_type Bearer, expires_in, scope, and the refresh token when given', async () => {
      const response = await t.issuer.respond(grant('family-1'), 'asrt_value');
      expect(response).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: 'asrt_value',
        scope: 'read write',
      });
    });

    it('has no refresh_token member without a refresh token', async () => {
      expect(Object.keys(await t.issuer.respond(grant())).sort()).toEqual([
        'access_token',
        'expires_in',
        'scope',
        'token_type',
      ]);
    });

    it('counts the tokens handed out by grant type', async () => {
      await t.issuer.respond(grant('family-1'), 'asrt_value');
      const metrics = await t.metrics.scrape();
      expect(metrics).toMatch(/^oauth_tokens_issued_total\{grant_type="password",token_type="access_token"\} 1$/m);
      expect(metrics).toMatch(/^oauth_tokens_issued_total\{grant_type="password",token_type="refresh_token"\} 1$/m);
    });
  });

  describe('refresh tokens', () => {
    it('start a family that lives the absolute lifetime, its first token the idle one', async () => {
      const { familyId, value } = (await t.issuer.startFamily(client, user, ['read']))!;

      expect(t.repos.refreshTokens.family(familyId)).toMatchObject({
        client_id: client.client_id,
        subject: user.id,
        scope: 'read',
        user_epoch: 0,
        created_at: T0,
        expires_at: T0 + ABSOLUTE,
      });
      const key = refreshTokenKey(value)!;
      expect(t.repos.refreshTokens.token(t.tokenId(value))).toMatchObject({
        family_id: familyId,
        parent_id: null,
        token_hash: hashSecret(value),
        issued_at: T0,
        expires_at: T0 + IDLE,
      });
      expect(await t.repos.refreshTokens.find(key)).not.toBeNull();
    });

    it('store no family for a user whose token epoch moved since it was read', async () => {
      await t.users.setDisabled(user.id, true);
      await t.users.setDisabled(user.id, false);

      expect(await t.issuer.startFamily(client, user, ['read'])).toBeNull();
      expect(t.repos.refreshTokens.familiesWhere(() => true)).toEqual([]);
    });

    it('cap the first token at the family when the idle lifetime is the longer', async () => {
      await t.repos.clients.update(client.client_id, {
        refresh_token_absolute_lifetime: 3600,
        refresh_token_idle_lifetime: 7200,
      });
      client = await t.reload(client);

      const { value } = (await t.issuer.startFamily(client, user, ['read']))!;

      expect(t.repos.refreshTokens.token(t.tokenId(value))!.expires_at).toBe(T0 + 3600 * 1000);
    });

    it('give a successor the family, subject and scope of its parent, never outliving the family', async () => {
      const { value } = (await t.issuer.startFamily(client, user, ['read']))!;
      const parent = (await t.repos.refreshTokens.findById(t.tokenId(value)))!;
      t.clock.advance(20 * DAY);

      const { record } = t.issuer.successor(client, parent);

      expect(record).toMatchObject({
        family_id: parent.family_id,
        parent_id: parent.id,
        subject: user.id,
        scope: 'read',
        issued_at: T0 + 20 * DAY,
        expires_at: T0 + ABSOLUTE,
      });
    });
  });
});
