import { validateEnvironment } from '#config';
import { type RegisteredClientShape, registrationProblem } from './client-registration-rules.js';

const strict = { adminScopeWithUserGrants: false, jwksUriAllowPrivate: false, securityEventsAllowHttp: false };
const base: RegisteredClientShape = {
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['https://app.example/cb'],
  scope: 'read',
  refresh_token_rotation: true,
};
const problem = (changes: Partial<RegisteredClientShape>, policy = strict) =>
  registrationProblem({ ...base, ...changes }, policy);

describe(registrationProblem.name, () => {
  describe('security_event_endpoint', () => {
    const withHttp = { ...strict, securityEventsAllowHttp: true };
    const refusal =
      'security_event_endpoint must use https (http only on a loopback host, with SECURITY_EVENTS_ALLOW_HTTP=true)';

    it('accepts an https URL, and none', () => {
      expect(problem({ security_event_endpoint: 'https://app.example/events' })).toBeNull();
      expect(problem({ security_event_endpoint: null })).toBeNull();
    });

    it('refuses http, unless allowed and on a loopback host', () => {
      expect(problem({ security_event_endpoint: 'http://127.0.0.1:8080/events' })).toBe(refusal);
      for (const host of ['127.0.0.1:8080', '[::1]', 'localhost'])
        expect(problem({ security_event_endpoint: `http://${host}/events` }, withHttp)).toBeNull();
      expect(problem({ security_event_endpoint: 'http://app.example/events' }, withHttp)).toBe(refusal);
      expect(problem({ security_event_endpoint: 'ftp://app.example/events' }, withHttp)).toBe(refusal);
    });

    it('refuses what is no absolute URL, credentials and a fragment', () => {
      expect(problem({ security_event_endpoint: '/events' })).toBe(
        'security_event_endpoint must be an absolute https URL',
      );
      expect(problem({ security_event_endpoint: 'https://u:p@app.example/events' })).toBe(
        'security_event_endpoint must not contain credentials',
      );
      expect(problem({ security_event_endpoint: 'https://app.example/events#x' })).toBe(
        'security_event_endpoint must not contain a fragment',
      );
    });
  });

  it('accepts a well-formed confidential and public client', () => {
    expect(problem({})).toBeNull();
    expect(problem({ token_endpoint_auth_method: 'none' })).toBeNull();
  });

  it('refuses a public client without refresh-token rotation', () => {
    expect(problem({ token_endpoint_auth_method: 'none', refresh_token_rotation: false })).toBe(
      'RFC 9700 2.2.2: a public client (token_endpoint_auth_method none) needs refresh_token_rotation true',
    );
    expect(problem({ refresh_token_rotation: false })).toBeNull();
  });

  it('refuses the password grant for a public client only', () => {
    expect(problem({ token_endpoint_auth_method: 'none', grant_types: ['password'] })).toBe(
      'RFC 9700 2.4: a public client (token_endpoint_auth_method none) cannot use the password grant',
    );
    expect(problem({ grant_types: ['password'] })).toBeNull();
  });

  it.each([
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb',
    'http://[::1]:9/cb',
    'http://localhost/cb',
    'http://LOCALHOST:3000/cb',
  ])('accepts the loopback redirect URI %s over http', (uri) => {
    expect(problem({ redirect_uris: [uri] })).toBeNull();
  });

  it.each([
    'http://app.example/cb',
    'http://localhost.example/cb',
    'http://127.0.0.2/cb',
    'ftp://app.example/cb',
    'not a uri',
  ])('refuses the redirect URI %s', (uri) => {
    expect(problem({ redirect_uris: ['https://ok.example/cb', uri] })).toBe(
      `RFC 9700 2.6: redirect_uris must use https except on a loopback host (127.0.0.1, [::1], localhost): ${uri}`,
    );
  });

  it.each([
    ['admin', ['authorization_code'], 'authorization_code'],
    ['admin:read', ['client_credentials', 'password'], 'password'],
  ])('refuses scope %s beside a user-facing grant unless the policy allows it', (scope, grant_types, grant) => {
    const client = { scope: `read ${scope}`, grant_types };
    expect(problem(client)).toBe(
      `a client with the ${scope} scope cannot use the ${grant} grant: a user's token would carry admin rights (ADMIN_SCOPE_WITH_USER_GRANTS=true allows it)`,
    );
    expect(
      problem(client, { adminScopeWithUserGrants: true, jwksUriAllowPrivate: false, securityEventsAllowHttp: false }),
    ).toBeNull();
  });

  it('accepts an admin scope with client_credentials alone', () => {
    expect(problem({ scope: 'admin', grant_types: ['client_credentials'], redirect_uris: [] })).toBeNull();
  });
});

describe('ADMIN_SCOPE_WITH_USER_GRANTS', () => {
  it('defaults to false and accepts true or false only', () => {
    expect(validateEnvironment({}).ADMIN_SCOPE_WITH_USER_GRANTS).toBe('false');
    expect(validateEnvironment({ ADMIN_SCOPE_WITH_USER_GRANTS: 'true' }).ADMIN_SCOPE_WITH_USER_GRANTS).toBe('true');
    expect(() => validateEnvironment({ ADMIN_SCOPE_WITH_USER_GRANTS: 'yes' })).toThrow(
      'ADMIN_SCOPE_WITH_USER_GRANTS must be one of the following values: true, false',
    );
  });
});
