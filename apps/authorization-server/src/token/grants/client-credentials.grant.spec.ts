import { InvalidScopeError, UnauthorizedClientError } from '#oauth';
import type { ClientEntity } from '#persistence';
import { type TokenPath, buildTokenPath, refusalOf, accessTokenClaims, refusedWith } from '../testing/token-path.js';
import { ClientCredentialsGrant } from './client-credentials.grant.js';

describe(ClientCredentialsGrant.name, () => {
  let t: TokenPath;
  let client: ClientEntity;

  beforeEach(async () => {
    t = await buildTokenPath();
    ({ client } = await t.registerClient({ grant_types: ['client_credentials'], scope: 'read write' }));
  });

  const request = (scope?: string, as: ClientEntity = client) =>
    t.token(as, { grant_type: 'client_credentials', scope });

  it("grants the client's whole scope when none is asked, to the client itself (sub is the client_id)", async () => {
    const response = await request();

    expect(response.scope).toBe('read write');
    expect(accessTokenClaims(response.access_token)).toMatchObject({
      sub: client.client_id,
      client_id: client.client_id,
    });
    expect(accessTokenClaims(response.access_token)).not.toHaveProperty('sid');
  });

  it('grants a narrower scope when asked', async () => {
    const response = await request('write');
    expect(response.scope).toBe('write');
    expect(accessTokenClaims(response.access_token).scope).toBe('write');
  });

  it('refuses a wider scope (invalid_scope)', async () => {
    await refusedWith(request('read write admin'), InvalidScopeError, 'scope exceeds what was granted: admin');
  });

  it('refuses a malformed scope (invalid_scope)', async () => {
    expect(await refusalOf(request('read\twrite'))).toBeInstanceOf(InvalidScopeError);
  });

  it('never issues a refresh token (RFC 6749 4.4.3), even to a client with the refresh_token grant', async () => {
    ({ client } = await t.registerClient({ grant_types: ['client_credentials', 'refresh_token'], scope: 'read' }));

    const response = await request();

    expect(response).not.toHaveProperty('refresh_token');
    expect(t.repos.refreshTokens.familiesWhere((f) => f.client_id === client.client_id)).toEqual([]);
  });

  it("reads the client's scope as registered now", async () => {
    await t.repos.clients.update(client.client_id, { scope: 'read' });
    client = await t.reload(client);

    expect((await request()).scope).toBe('read');
    expect(await refusalOf(request('write'))).toBeInstanceOf(InvalidScopeError);
  });

  it('is unauthorized_client for a client without the grant', async () => {
    const { client: other } = await t.registerClient({ grant_types: ['password'], scope: 'read' });
    expect(await refusalOf(request(undefined, other))).toBeInstanceOf(UnauthorizedClientError);
  });
});
