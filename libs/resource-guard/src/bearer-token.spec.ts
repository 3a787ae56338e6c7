import { readBearerToken } from './bearer-token.js';

const request = (authorization?: string, rawHeaders?: string[]) => ({ headers: { authorization }, rawHeaders });

describe('readBearerToken (RFC 6750 2.1)', () => {
  it('reads the token of Bearer credentials, the scheme in any case', () => {
    expect(readBearerToken(request('Bearer abc.DEF-_~+/=='))).toEqual({ kind: 'token', token: 'abc.DEF-_~+/==' });
    expect(readBearerToken(request('bearer abc'))).toEqual({ kind: 'token', token: 'abc' });
    expect(readBearerToken(request('BEARER   abc'))).toEqual({ kind: 'token', token: 'abc' });
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
