import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  ServerError,
  SlowDownError,
  TemporarilyUnavailableError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedTokenTypeError,
} from './oauth-errors.js';

type Case = [name: string, make: (description: string) => OAuthError, code: string, status: number];

const cases: Case[] = [
  ['InvalidRequestError', (d) => new InvalidRequestError(d), 'invalid_request', 400],
  ['InvalidClientError', (d) => new InvalidClientError(d, false), 'invalid_client', 401],
  ['InvalidGrantError', (d) => new InvalidGrantError(d), 'invalid_grant', 400],
  ['UnauthorizedClientError', (d) => new UnauthorizedClientError(d), 'unauthorized_client', 400],
  ['UnsupportedGrantTypeError', (d) => new UnsupportedGrantTypeError(d), 'unsupported_grant_type', 400],
  ['InvalidScopeError', (d) => new InvalidScopeError(d), 'invalid_scope', 400],
  ['UnsupportedTokenTypeError', (d) => new UnsupportedTokenTypeError(d), 'unsupported_token_type', 400],
  ['AuthorizationPendingError', (d) => new AuthorizationPendingError(d), 'authorization_pending', 400],
  ['SlowDownError', (d) => new SlowDownError(d), 'slow_down', 400],
  ['AccessDeniedError', (d) => new AccessDeniedError(d), 'access_denied', 400],
  ['ExpiredTokenError', (d) => new ExpiredTokenError(d), 'expired_token', 400],
  ['ServerError', (d) => new ServerError(d), 'server_error', 500],
  ['TemporarilyUnavailableError', (d) => new TemporarilyUnavailableError(d), 'temporarily_unavailable', 503],
];

describe(OAuthError.name, () => {
  describe.each(cases)('%s', (name, make, code, status) => {
    const error = make('something went wrong');

    it(`has the RFC 6749 error code ${code}`, () => {
      expect(error.error).toBe(code);
    });

    it(`has HTTP status ${status}`, () => {
      expect(error.status).toBe(status);
    });

    it('is an Error and an OAuthError', () => {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(OAuthError);
    });

    it('is named after its class', () => {
      expect(error.name).toBe(name);
    });

    it('uses the description as its message', () => {
      expect(error.message).toBe('something went wrong');
      expect(error.description).toBe('something went wrong');
    });

    it('serialises to exactly { error, error_description }', () => {
      expect(error.toJSON()).toStrictEqual({ error: code, error_description: 'something went wrong' });
      expect(Object.keys(error.toJSON())).toEqual(['error', 'error_description']);
    });

    it('renders as exactly { error, error_description } through JSON.stringify, without a stack', () => {
      const json = JSON.stringify(error);
      expect(JSON.parse(json)).toStrictEqual({ error: code, error_description: 'something went wrong' });
      expect(json).not.toContain('stack');
      expect(json).not.toContain('status');
    });
  });

  it('gives no extra response headers to errors other than a Basic-attempted invalid_client and a 503', () => {
    for (const [name, make] of cases) {
      expect(make('x').headers).toEqual(name === 'TemporarilyUnavailableError' ? { 'Retry-After': '5' } : {});
    }
  });

  it('gives every instance its own headers object', () => {
    const a = new InvalidClientError('a', true);
    const b = new InvalidClientError('b', false);
    expect(a.headers).not.toBe(b.headers);
    expect(b.headers).toEqual({});
  });
});

describe(InvalidRequestError.name, () => {
  it('defaults to status 400', () => {
    expect(new InvalidRequestError('bad').status).toBe(400);
  });

  it('takes an overriding status, keeping the invalid_request code', () => {
    const error = new InvalidRequestError('the request body exceeds 16384 bytes', 413);
    expect(error.status).toBe(413);
    expect(error.error).toBe('invalid_request');
    expect(error.toJSON()).toStrictEqual({
      error: 'invalid_request',
      error_description: 'the request body exceeds 16384 bytes',
    });
  });
});

describe(InvalidClientError.name, () => {
  it('sets WWW-Authenticate for Basic when the client attempted HTTP Basic authentication', () => {
    const error = new InvalidClientError('bad credentials', true);
    expect(error.headers).toStrictEqual({ 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' });
  });

  it('sets no WWW-Authenticate when the client did not attempt HTTP Basic authentication', () => {
    const error = new InvalidClientError('bad credentials', false);
    expect(error.headers).toStrictEqual({});
    expect('WWW-Authenticate' in error.headers).toBe(false);
  });

  it('is 401 whether or not Basic was attempted', () => {
    expect(new InvalidClientError('x', true).status).toBe(401);
    expect(new InvalidClientError('x', false).status).toBe(401);
  });

  it('keeps the header out of the JSON body', () => {
    expect(new InvalidClientError('bad credentials', true).toJSON()).toStrictEqual({
      error: 'invalid_client',
      error_description: 'bad credentials',
    });
  });
});
