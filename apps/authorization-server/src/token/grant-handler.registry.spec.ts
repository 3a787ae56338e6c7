import { InvalidRequestError, UnauthorizedClientError, UnsupportedGrantTypeError, type OAuthError } from '#oauth';
import type { ClientEntity } from '#persistence';
import { GrantHandlerRegistry } from './grant-handler.registry.js';
import { type TokenPath, buildTokenPath, refusalOf } from './testing/token-path.js';

describe(GrantHandlerRegistry.name, () => {
  let t: TokenPath;
  let client: ClientEntity;

  beforeEach(async () => {
    t = await buildTokenPath();
    ({ client } = await t.registerClient({ grant_types: ['client_credentials'], scope: 'read' }));
  });

  async function refusal(params: Record<string, string>): Promise<OAuthError> {
    return (await refusalOf(t.token(client, params))) as OAuthError;
  }

  it('knows the five grants, each by its grant_type', () => {
    expect(t.registry.supportedGrantTypes().sort()).toEqual([
      'authorization_code',
      'client_credentials',
      'password',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);
  });

  it('hands the request to the handler of its grant_type', async () => {
    const response = await t.token(client, { grant_type: 'client_credentials' });
    expect(response).toMatchObject({ token_type: 'Bearer', scope: 'read' });
  });

  it('grant_type missing: invalid_request', async () => {
    const error = await refusal({});
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.description).toBe('grant_type is required');
  });

  it('an unknown grant_type: unsupported_grant_type, naming it', async () => {
    const error = await refusal({ grant_type: 'implicit' });
    expect(error).toBeInstanceOf(UnsupportedGrantTypeError);
    expect(error.description).toBe('grant_type implicit is not supported');
  });

  it('an unknown grant_type that is not short printable ASCII is not echoed', async () => {
    const error = await refusal({ grant_type: 'x\r\nSet-Cookie: a=b' });
    expect(error).toBeInstanceOf(UnsupportedGrantTypeError);
    expect(error.description).toBe('grant_type (unprintable) is not supported');
  });

  it('an unknown grant_type is unsupported even when the client lists it', async () => {
    await t.repos.clients.update(client.client_id, { grant_types: ['client_credentials', 'implicit'] });
    client = await t.reload(client);
    expect(await refusal({ grant_type: 'implicit' })).toBeInstanceOf(UnsupportedGrantTypeError);
  });

  it('a grant the client is not registered for: unauthorized_client, and its handler never runs', async () => {
    const { value } = await t.startFamily(
      (await t.registerClient({ grant_types: ['refresh_token'], scope: 'read' })).client,
      await t.addUser(),
      ['read'],
    );

    const error = await refusal({ grant_type: 'refresh_token', refresh_token: value });

    expect(error).toBeInstanceOf(UnauthorizedClientError);
    expect(error.description).toBe('the client is not allowed to use grant_type refresh_token');
    expect(t.repos.refreshTokens.token(t.tokenId(value))!.used_at).toBeNull();
    expect(await t.metrics.scrape()).toMatch(
      /^oauth_tokens_issued_total\{grant_type="refresh_token",token_type="access_token"\} 0$/m,
    );
  });
});
