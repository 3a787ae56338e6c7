import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  GrantType,
  InvalidGrantError,
  InvalidRequestError,
  SlowDownError,
} from '#oauth';
import type { ClientEntity, UserEntity } from '#persistence';
import type { DeviceAuthorizationResponse } from '../../authorization/device-authorizations.service.js';
import { SECOND, type TokenPath, accessTokenClaims, buildTokenPath, refusedWith } from '../testing/token-path.js';
import { DeviceCodeGrant } from './device-code.grant.js';

const INVALID = 'the device code is invalid';

describe(DeviceCodeGrant.name, () => {
  let t: TokenPath;
  let client: ClientEntity;
  let user: UserEntity;

  beforeAll(async () => {
    t = await buildTokenPath();
    user = await t.addUser('dana');
  });

  beforeEach(async () => {
    ({ client } = await t.registerClient({
      grant_types: [GrantType.DeviceCode, GrantType.RefreshToken],
      scope: 'read write',
      token_endpoint_auth_method: 'none',
    }));
  });

  const poll = (codes: DeviceAuthorizationResponse, as: ClientEntity = client) =>
    t.token(as, { grant_type: GrantType.DeviceCode, device_code: codes.device_code });

  /** The row of a device code, as the fake stores it. */
  async function row(codes: DeviceAuthorizationResponse) {
    const found = await t.devices.findByDeviceCode(codes.device_code);
    return t.repos.deviceAuthorizations.row(found!.id)!;
  }

  async function approved(scope = ['read'], by: UserEntity = user): Promise<DeviceAuthorizationResponse> {
    const codes = await t.devices.start(client, scope);
    const request = await t.devices.findPending(codes.user_code);
    expect(await t.devices.approve(request!.id, by)).toBe(true);
    return codes;
  }

  it('answers authorization_pending while the user has not decided', async () => {
    const codes = await t.devices.start(client, ['read']);
    await refusedWith(poll(codes), AuthorizationPendingError, 'the user has not yet approved the request');
  });

  it('answers slow_down to a poll within the interval, and makes the interval 5 seconds longer each time', async () => {
    const codes = await t.devices.start(client, ['read']);
    await refusedWith(poll(codes), AuthorizationPendingError);
    t.clock.advance(4 * SECOND);
    await refusedWith(poll(codes), SlowDownError, 'polling too fast; wait 10 seconds between requests');
    expect((await row(codes)).interval).toBe(10);
    t.clock.advance(9 * SECOND);
    await refusedWith(poll(codes), SlowDownError, 'polling too fast; wait 15 seconds between requests');
    t.clock.advance(15 * SECOND);
    await refusedWith(poll(codes), AuthorizationPendingError);
    expect((await row(codes)).interval).toBe(15);
  });

  it('issues an access token and a refresh token of a new family for the approving user, once', async () => {
    const codes = await approved(['read']);
    const response = await poll(codes);
    expect(response).toMatchObject({ token_type: 'Bearer', scope: 'read', refresh_token: expect.any(String) });
    const [family] = t.repos.refreshTokens.familiesWhere((f) => f.client_id === client.client_id);
    expect(family).toMatchObject({ subject: user.id, scope: 'read', user_epoch: 0 });
    expect(accessTokenClaims(response.access_token)).toMatchObject({ sub: user.id, sid: family.id, scope: 'read' });
    expect((await row(codes)).status).toBe('consumed');
    await refusedWith(poll(codes), InvalidGrantError, 'the device code was already used');
  });

  it("binds a public client's tokens and new family to the key of the poll's DPoP proof (RFC 9449 5)", async () => {
    const codes = await approved(['read']);
    const proof = (jkt: string) => ({ address: '192.0.2.1', dpop: { jkt, jti: `jti-${jkt}`, iat: 0 } });

    const response = await t.registry.handle(
      { grant_type: GrantType.DeviceCode, device_code: codes.device_code },
      client,
      proof('device-key'),
    );

    expect(response.token_type).toBe('DPoP');
    expect(accessTokenClaims(response.access_token)).toMatchObject({ cnf: { jkt: 'device-key' } });
    const [family] = t.repos.refreshTokens.familiesWhere((f) => f.client_id === client.client_id);
    expect(family.dpop_jkt).toBe('device-key');
    const refresh = { grant_type: GrantType.RefreshToken, refresh_token: response.refresh_token! };
    await refusedWith(t.registry.handle(refresh, client, proof('another-key')), InvalidGrantError);
    await refusedWith(t.refresh(client, response.refresh_token!), InvalidGrantError);
    const next = await t.registry.handle(refresh, client, proof('device-key'));
    expect(next.token_type).toBe('DPoP');
  });

  it('gives the tokens to one of two concurrent polls', async () => {
    const codes = await approved();
    const results = await Promise.allSettled([poll(codes), poll(codes)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(InvalidGrantError);
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    ({ client } = await t.registerClient({ grant_types: [GrantType.DeviceCode], token_endpoint_auth_method: 'none' }));
    const response = await poll(await approved());
    expect(response.refresh_token).toBeUndefined();
    expect(t.repos.refreshTokens.familiesWhere((f) => f.client_id === client.client_id)).toEqual([]);
  });

  it('issues a refresh token only with offline_access when the client requires it', async () => {
    ({ client } = await t.registerClient({
      grant_types: [GrantType.DeviceCode, GrantType.RefreshToken],
      scope: 'read offline_access',
      token_endpoint_auth_method: 'none',
      refresh_token_requires_offline_access: true,
    }));
    expect((await poll(await approved(['read']))).refresh_token).toBeUndefined();
    expect((await poll(await approved(['read', 'offline_access']))).refresh_token).toEqual(expect.any(String));
  });

  it('grants no more than the client holds today', async () => {
    const codes = await approved(['read', 'write']);
    await t.clients.update(client.client_id, { scope: 'read' });
    const response = await poll(codes, await t.reload(client));
    expect(response.scope).toBe('read');
  });

  it('answers access_denied when the user denied', async () => {
    const codes = await t.devices.start(client, ['read']);
    const request = await t.devices.findPending(codes.user_code);
    await t.devices.deny(request!.id, user);
    await refusedWith(poll(codes), AccessDeniedError, 'the user denied the request');
  });

  it('answers expired_token once the code expired, decided or not', async () => {
    const pending = await t.devices.start(client, ['read']);
    const allowed = await approved();
    t.clock.advance(600 * SECOND);
    await refusedWith(poll(pending), ExpiredTokenError, 'the device code has expired');
    await refusedWith(poll(allowed), ExpiredTokenError);
    expect((await row(allowed)).status).toBe('approved');
  });

  it("refuses another client's device code and leaves it alone", async () => {
    const codes = await approved();
    const { client: other } = await t.registerClient({
      grant_types: [GrantType.DeviceCode],
      token_endpoint_auth_method: 'none',
    });
    await refusedWith(poll(codes, other), InvalidGrantError, INVALID);
    expect((await row(codes)).status).toBe('approved');
    await expect(poll(codes)).resolves.toMatchObject({ token_type: 'Bearer' });
  });

  describe('an approval that no longer holds when the device polls (RFC 8628 3.5)', () => {
    const WITHDRAWN = 'the approval was withdrawn';

    async function expectWithdrawn(codes: DeviceAuthorizationResponse) {
      await refusedWith(poll(codes), AccessDeniedError, WITHDRAWN);
      expect((await row(codes)).status).toBe('revoked');
      t.clock.advance(5 * SECOND);
      await refusedWith(poll(codes), AccessDeniedError, WITHDRAWN);
      expect(t.repos.refreshTokens.familiesWhere((f) => f.client_id === client.client_id)).toEqual([]);
    }

    it('answers access_denied when the user was disabled, and after an enable too', async () => {
      const someone = await t.addUser();
      const codes = await approved(['read'], someone);
      await t.users.setDisabled(someone.id, true);
      await t.users.setDisabled(someone.id, false);
      await expectWithdrawn(codes);
    });

    it('answers access_denied when the user was given a new password', async () => {
      const someone = await t.addUser();
      const codes = await approved(['read'], someone);
      await t.users.setPassword(someone.id, 'a-new-password-1');
      await expectWithdrawn(codes);
    });

    it('answers access_denied when the user was deleted', async () => {
      const someone = await t.addUser();
      const codes = await approved(['read'], someone);
      await t.users.delete(someone.id);
      await expectWithdrawn(codes);
    });

    it("answers access_denied when the user's consent for the client was withdrawn, and no other approval", async () => {
      const someone = await t.addUser();
      const codes = await approved(['read'], someone);
      const kept = await approved(['read'], user);
      expect(await t.devices.revokeApproved(someone.id, client.client_id)).toBe(1);
      await expectWithdrawn(codes);
      await expect(poll(kept)).resolves.toMatchObject({ token_type: 'Bearer' });
    });

    it('issues no access token either to a client without refresh tokens', async () => {
      ({ client } = await t.registerClient({
        grant_types: [GrantType.DeviceCode],
        token_endpoint_auth_method: 'none',
      }));
      const someone = await t.addUser();
      const codes = await approved(['read'], someone);
      await t.users.setPassword(someone.id, 'a-new-password-1');
      await expectWithdrawn(codes);
    });
  });

  it('refuses unknown and malformed device codes, and a missing one', async () => {
    const ask = (device_code?: string) => t.token(client, { grant_type: GrantType.DeviceCode, device_code });
    await refusedWith(ask(`asdc_${'A'.repeat(43)}`), InvalidGrantError, INVALID);
    await refusedWith(ask('asrt_not-a-device-code'), InvalidGrantError, INVALID);
    await refusedWith(ask(undefined), InvalidRequestError, 'device_code is required');
  });
});
