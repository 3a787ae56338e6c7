import { jest } from '@jest/globals';
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, UnauthorizedClientError } from '#oauth';
import type { ClientEntity, UserEntity } from '#persistence';
import { TooManyRequestsError } from '../../rate-limit/token-rate-limit.guard.js';
import {
  T0,
  type TokenPath,
  buildTokenPath,
  refusalOf,
  accessTokenClaims,
  refusedWith,
} from '../testing/token-path.js';
import { PasswordGrant } from './password.grant.js';

const PASSWORD = 'correct horse battery staple';
const INVALID = 'the resource owner credentials are invalid';

describe(PasswordGrant.name, () => {
  let t: TokenPath;
  let client: ClientEntity;
  let user: UserEntity;

  beforeAll(async () => {
    t = await buildTokenPath();
    user = await t.createUser('alice', PASSWORD);
  });

  beforeEach(async () => {
    // One client per test: the throttle's counters are per username and address, the grants per client.
    ({ client } = await t.registerClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' }));
  });
  afterEach(() => jest.restoreAllMocks());

  const signIn = (params: Record<string, string | undefined>, as: ClientEntity = client) =>
    t.token(as, { grant_type: 'password', username: 'alice', password: PASSWORD, ...params });

  const familiesOf = (c: ClientEntity) => t.repos.refreshTokens.familiesWhere((f) => f.client_id === c.client_id);

  const expectInvalidGrant = (work: Promise<unknown>) => refusedWith(work, InvalidGrantError, INVALID);

  describe('right credentials', () => {
    it("start a family for the user, with the client's whole scope when none is asked", async () => {
      const response = await signIn({});

      expect(response).toMatchObject({ token_type: 'Bearer', scope: 'read write' });
      const [family] = familiesOf(client);
      expect(family).toMatchObject({ subject: user.id, scope: 'read write', user_epoch: 0, created_at: T0 });
      expect(t.repos.refreshTokens.token(t.tokenId(response.refresh_token!))!.family_id).toBe(family.id);
      expect(accessTokenClaims(response.access_token)).toMatchObject({
        sub: user.id,
        sid: family.id,
        scope: 'read write',
      });
    });

    it('grant a narrower scope when asked', async () => {
      const response = await signIn({ scope: 'read' });
      expect(response.scope).toBe('read');
      expect(familiesOf(client)[0].scope).toBe('read');
    });

    it('give no refresh token, and store no family, to a client without the refresh_token grant', async () => {
      ({ client } = await t.registerClient({ grant_types: ['password'], scope: 'read' }));

      const response = await signIn({});

      expect(response.refresh_token).toBeUndefined();
      expect(accessTokenClaims(response.access_token)).not.toHaveProperty('sid');
      expect(familiesOf(client)).toEqual([]);
    });
  });

  it('a wider scope is invalid_scope, and no family is started', async () => {
    expect(await refusalOf(signIn({ scope: 'read admin' }))).toBeInstanceOf(InvalidScopeError);
    expect(familiesOf(client)).toEqual([]);
  });

  describe('refusals: invalid_grant with one description, whatever was wrong', () => {
    it('a wrong password', async () => {
      await expectInvalidGrant(signIn({ password: 'wrong horse' }));
      expect(familiesOf(client)).toEqual([]);
    });

    it('an unknown username', async () => {
      await expectInvalidGrant(signIn({ username: 'mallory' }));
    });

    it('a disabled user', async () => {
      const bob = await t.createUser('bob', PASSWORD);
      await t.users.setDisabled(bob.id, true);
      await expectInvalidGrant(signIn({ username: 'bob' }));
    });

    it.each([
      { grants: ['password', 'refresh_token'], kind: 'with' },
      { grants: ['password'], kind: 'without' },
    ])('a user disabled while the password is being checked (client $kind refresh tokens)', async ({ grants }) => {
      ({ client } = await t.registerClient({ grant_types: grants, scope: 'read' }));
      const carol = await t.createUser(`carol-${grants.length}`, PASSWORD);
      const read = t.repos.users.findWithPasswordHashByUsername.bind(t.repos.users);
      jest.spyOn(t.repos.users, 'findWithPasswordHashByUsername').mockImplementation(async (username) => {
        const found = await read(username);
        await t.users.setDisabled(carol.id, true);
        await t.users.setDisabled(carol.id, false);
        return found;
      });

      await expectInvalidGrant(signIn({ username: carol.username }));
      expect(familiesOf(client)).toEqual([]);
    });
  });

  it('past the failures allowed for a username, even the right password waits (429)', async () => {
    const dave = await t.createUser('dave', PASSWORD);
    for (let i = 0; i < 5; i += 1) await expectInvalidGrant(signIn({ username: dave.username, password: 'nope' }));

    const error = await refusalOf(signIn({ username: dave.username }));

    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as TooManyRequestsError).headers['Retry-After']).toBe('900');
    expect(t.repos.auditEvents.events).toContainEqual(
      expect.objectContaining({ action: 'login.throttled', target_type: 'username', target_id: 'dave' }),
    );
  });

  it('username missing: invalid_request', async () => {
    expect(await refusalOf(signIn({ username: undefined }))).toBeInstanceOf(InvalidRequestError);
  });

  it('a client without the password grant: unauthorized_client', async () => {
    const { client: other } = await t.registerClient({ grant_types: ['client_credentials'] });
    expect(await refusalOf(signIn({}, other))).toBeInstanceOf(UnauthorizedClientError);
  });
});
