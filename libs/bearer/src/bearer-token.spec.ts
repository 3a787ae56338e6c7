import { bearerToken, readBearerToken } from './bearer-token.js';

const request = (authorization?: string, rawHeaders?: string[]) => ({ headers: { authorization }, rawHeaders });

describe('readBearerToken (RFC 6750 2.1)', () => {
  it('reads the token of Bearer credentials, the scheme in any case', () => {
    expect(readBearerToken(request('Bearer abc.DEF-_~+/=='))).toEqual({
      kind: 'token',
      token: 'abc.DEF-_~+/==',
      scheme: 'Bearer',
    });
    expect(readBearerToken(request('bearer abc'))).toEqual({ kind: 'token', token: 'abc', scheme: 'Bearer' });
    expect(readBearerToken(request('BEARER   abc'))).toEqual({ kind: 'token', token: 'abc', scheme: 'Bearer' });
  });

  it('reads the token of DPoP credentials too (RFC 9449 7.1), naming the scheme', () => {
    expect(readBearerToken(request('DPoP abc'))).toEqual({ kind: 'token', token: 'abc', scheme: 'DPoP' });
    expect(readBearerToken(request('dpop abc'))).toEqual({ kind: 'token', token: 'abc', scheme: 'DPoP' });
    expect(readBearerToken(request('DPoP a b'))).toEqual({
      kind: 'malformed',
      reason: 'the Authorization header must be DPoP followed by exactly one token',
    });
  });

  it('finds no credentials without the header or with another scheme (RFC 6750 3.1)', () => {
    expect(readBearerToken(request())).toEqual({ kind: 'none' });
    expect(readBearerToken(request(''))).toEqual({ kind: 'none' });
    expect(readBearerToken(request('Basic dXNlcjpwYXNz'))).toEqual({ kind: 'none' });
    expect(readBearerToken(request('Bearerabc'))).toEqual({ kind: 'none' });
  });

  it.each([['Bearer'], ['Bearer a b'], ['Bearer a,Bearer b'], ['Bearer a=b'], ['Bearer\tabc'], ['Bearer "abc"']])(
    'rejects the malformed credentials %j',
    (header) => {
      expect(readBearerToken(request(header))).toMatchObject({ kind: 'malformed' });
    },
  );

  it('rejects two Authorization headers, of which Node keeps only the first', () => {
    const raw = ['Host', 'api.test', 'Authorization', 'Bearer a', 'authorization', 'Bearer b'];
    expect(readBearerToken(request('Bearer a', raw))).toEqual({
      kind: 'malformed',
      reason: 'more than one Authorization header',
    });
  });
});

describe('readBearerToken (RFC 6750 2: one method per request)', () => {
  const header = { authorization: 'Bearer abc' };
  const form = { ...header, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

  it('refuses a token in the query as well as in the header', () => {
    expect(readBearerToken({ headers: header, query: { access_token: 'abc' } })).toEqual({
      kind: 'malformed',
      reason: 'an access token in the query as well',
    });
  });

  it('refuses a token in a form body as well as in the header', () => {
    expect(readBearerToken({ headers: form, body: { access_token: 'abc' } })).toEqual({
      kind: 'malformed',
      reason: 'an access token in the body as well',
    });
  });

  it('reads the header when the query and a JSON body carry other parameters', () => {
    const json = { ...header, 'content-type': 'application/json' };
    expect(readBearerToken({ headers: json, query: { page: '2' }, body: { access_token: 'data' } })).toEqual({
      kind: 'token',
      token: 'abc',
      scheme: 'Bearer',
    });
  });

  it('finds no credentials when the token is only in the query (the header is the only method served)', () => {
    expect(readBearerToken({ headers: {}, query: { access_token: 'abc' } })).toEqual({ kind: 'none' });
  });
});

describe(bearerToken.name, () => {
  it('answers the token, or the RFC 6750 3.1 error for missing and malformed credentials', () => {
    expect(bearerToken(request('Bearer abc'))).toBe('abc');
    expect(() => bearerToken(request())).toThrow(expect.objectContaining({ code: undefined, status: 401 }));
    expect(() => bearerToken(request('Bearer'))).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
