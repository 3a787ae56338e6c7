import type { ClientEntity } from '#persistence';
import {
  AuthorizationPageError,
  AuthorizationRedirectError,
  validateAuthorizationRequest,
} from './authorization-request.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function client(overrides: Partial<ClientEntity> = {}): ClientEntity {
  return {
    client_id: 'spa',
    grant_types: ['authorization_code'],
    redirect_uris: ['https://app.example/cb'],
    scope: 'read write',
    token_endpoint_auth_method: 'none',
    require_pkce: true,
    ...overrides,
  } as ClientEntity;
}

function validate(query: Record<string, string>, c: ClientEntity | null = client()) {
  return validateAuthorizationRequest(new URLSearchParams(query).toString(), () => c);
}

const good = {
  response_type: 'code',
  client_id: 'spa',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  state: 's1',
};

describe(validateAuthorizationRequest.name, () => {
  it('accepts a complete request and defaults the scope and the single redirect URI', () => {
    const r = validate(good);
    expect(r).toMatchObject({
      redirectUri: 'https://app.example/cb',
      scope: ['read', 'write'],
      state: 's1',
      codeChallenge: CHALLENGE,
    });
  });

  it('shows an error page, never a redirect, until client and redirect URI are trusted', () => {
    expect(() => validate(good, null)).toThrow(AuthorizationPageError);
    expect(() => validate({ ...good, client_id: '' })).toThrow(AuthorizationPageError);
    expect(() => validate(good, client({ grant_types: ['client_credentials'] }))).toThrow(AuthorizationPageError);
    expect(() => validate({ ...good, redirect_uri: 'https://evil.example/cb' })).toThrow(AuthorizationPageError);
    const two = client({ redirect_uris: ['https://a.example/cb', 'https://b.example/cb'] });
    expect(() => validate(good, two)).toThrow(AuthorizationPageError);
  });

  it.each([
    ['a missing response_type', { response_type: '' }, 'invalid_request'],
    ['the implicit grant', { response_type: 'token' }, 'unsupported_response_type'],
    ['a scope beyond the client', { scope: 'read admin' }, 'invalid_scope'],
    ['a malformed scope', { scope: 'read\\"' }, 'invalid_scope'],
    ['the plain PKCE method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a malformed code_challenge', { code_challenge: 'short' }, 'invalid_request'],
    ['no code_challenge from a public client', { code_challenge: '', code_challenge_method: '' }, 'invalid_request'],
    ['a malformed dpop_jkt', { dpop_jkt: 'not-a-thumbprint' }, 'invalid_request'],
  ])('redirects %s back with %s and the state', (_, override, error) => {
    try {
      validate({ ...good, ...override });
      throw new Error('expected a redirect error');
    } catch (e) {
      expect(e).toBeInstanceOf(AuthorizationRedirectError);
      expect(e).toMatchObject({ error, state: 's1', redirectUri: 'https://app.example/cb' });
    }
  });

  it('lets a confidential client without require_pkce skip PKCE, but not one with it', () => {
    const relaxed = client({ token_endpoint_auth_method: 'client_secret_basic', require_pkce: false });
    expect(validate({ response_type: 'code', client_id: 'spa' }, relaxed).codeChallenge).toBeNull();
    const strict = client({ token_endpoint_auth_method: 'client_secret_basic', require_pkce: true });
    expect(() => validate({ response_type: 'code', client_id: 'spa' }, strict)).toThrow(AuthorizationRedirectError);
  });

  it('carries a dpop_jkt (RFC 9449 10) to the code, and none without it', () => {
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    expect(validate({ ...good, dpop_jkt: jkt }).dpopJkt).toBe(jkt);
    expect(validate(good).dpopJkt).toBeNull();
  });

  it('refuses a repeated parameter once the redirect URI is trusted', () => {
    const query = `${new URLSearchParams(good).toString()}&state=again`;
    expect(() => validateAuthorizationRequest(query, () => client())).toThrow(AuthorizationRedirectError);
  });
});
