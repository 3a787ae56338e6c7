import type { Request } from 'express';
import { InvalidClientError, JWT_BEARER_ASSERTION_TYPE } from '#oauth';
import { parseBasicCredentials, presentedCredentials } from './client-auth-credentials.js';

const basic = (text: string) => 'Basic ' + Buffer.from(text, 'utf8').toString('base64');
const basicBytes = (bytes: number[]) => 'Basic ' + Buffer.from(bytes).toString('base64');
/** RFC 6749 2.3.1 / Appendix B: application/x-www-form-urlencoded, with space as '+'. */
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
const WWW_AUTHENTICATE = 'Basic realm="oauth", charset="UTF-8"';

/** The InvalidClientError `parseBasicCredentials(header)` throws. */
function refusal(header: string): InvalidClientError {
  try {
    parseBasicCredentials(header);
  } catch (e) {
    if (e instanceof InvalidClientError) return e;
    throw new Error(`expected an InvalidClientError, got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected ${JSON.stringify(header)} to be refused`);
}

describe('parseBasicCredentials', () => {
  describe('well-formed credentials', () => {
    it('splits plain credentials at the colon', () => {
      expect(parseBasicCredentials(basic('client-1:s3cret'))).toStrictEqual({
        clientId: 'client-1',
        clientSecret: 's3cret',
      });
    });

    it('decodes a known RFC 7617 example', () => {
      // "Aladdin:open sesame" from RFC 7617 section 2; the space is sent unencoded.
      expect(parseBasicCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toStrictEqual({
        clientId: 'Aladdin',
        clientSecret: 'open sesame',
      });
    });

    it('decodes "+" in the client id as a space', () => {
      expect(parseBasicCredentials(basic('a+b:secret'))).toStrictEqual({ clientId: 'a b', clientSecret: 'secret' });
    });

    it('decodes "%20" in the client id as a space', () => {
      expect(parseBasicCredentials(basic('a%20b:secret'))).toStrictEqual({ clientId: 'a b', clientSecret: 'secret' });
    });

    it('decodes "%3A" in the client id as a colon', () => {
      expect(parseBasicCredentials(basic('urn%3Aclient:secret'))).toStrictEqual({
        clientId: 'urn:client',
        clientSecret: 'secret',
      });
    });

    it('splits at the first colon, leaving later colons in the secret', () => {
      expect(parseBasicCredentials(basic('client:se:cr:et'))).toStrictEqual({
        clientId: 'client',
        clientSecret: 'se:cr:et',
      });
    });

    it('round-trips a secret containing ":", "%3A" and "+" when form-url-encoded', () => {
      const clientId = 'a b';
      const clientSecret = 'p:%3A+q r/=';
      const header = basic(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
      expect(parseBasicCredentials(header)).toStrictEqual({ clientId, clientSecret });
    });

    it('round-trips non-ASCII credentials when form-url-encoded', () => {
      const clientId = 'café';
      const clientSecret = 'пароль:😀';
      const header = basic(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
      expect(parseBasicCredentials(header)).toStrictEqual({ clientId, clientSecret });
    });

    it('accepts raw UTF-8 credentials that were not percent-encoded', () => {
      expect(parseBasicCredentials(basic('café:naïve'))).toStrictEqual({ clientId: 'café', clientSecret: 'naïve' });
    });

    it('accepts standard base64 containing "+" and "/"', () => {
      expect(parseBasicCredentials('Basic YzrDvz8+')).toStrictEqual({ clientId: 'c', clientSecret: 'ÿ?>' });
      expect(parseBasicCredentials('Basic Yzo/Pz8=')).toStrictEqual({ clientId: 'c', clientSecret: '???' });
    });

    it('decodes a minted-looking secret unchanged', () => {
      const secret = 'ascs_' + 'Ab9-_'.repeat(8) + 'xyz';
      expect(parseBasicCredentials(basic(`client:${secret}`))).toStrictEqual({
        clientId: 'client',
        clientSecret: secret,
      });
    });

    it.each(['basic', 'BASIC', 'bAsIc'])('accepts the scheme written %s', (scheme) => {
      const header = basic('client:secret').replace(/^Basic/, scheme);
      expect(parseBasicCredentials(header)).toStrictEqual({ clientId: 'client', clientSecret: 'secret' });
    });

    it('accepts several spaces after the scheme and trailing spaces', () => {
      const token = Buffer.from('client:secret').toString('base64');
      expect(parseBasicCredentials(`Basic   ${token}  `)).toStrictEqual({
        clientId: 'client',
        clientSecret: 'secret',
      });
    });

    it('accepts credentials whose base64 needs no padding, one or two padding characters', () => {
      expect(parseBasicCredentials(basic('ab:cd'))).toStrictEqual({ clientId: 'ab', clientSecret: 'cd' }); // 5 bytes: "="
      expect(parseBasicCredentials(basic('ab:c'))).toStrictEqual({ clientId: 'ab', clientSecret: 'c' }); // 4 bytes: "=="
      expect(parseBasicCredentials(basic('ab:cde'))).toStrictEqual({ clientId: 'ab', clientSecret: 'cde' }); // 6 bytes: none
    });
  });

  describe('malformed credentials', () => {
    it.each([
      ['an empty header', ''],
      ['the scheme alone', 'Basic'],
      ['the scheme and a space', 'Basic '],
      ['another scheme', 'Bearer ' + Buffer.from('client:secret').toString('base64')],
      ['no space after the scheme', 'Basic' + Buffer.from('client:secret').toString('base64')],
      ['a leading space', ' ' + basic('client:secret')],
      ['two tokens', basic('client:secret') + ' ' + Buffer.from('x:y').toString('base64')],
      ['characters outside base64', 'Basic !!!!'],
      ['base64url "-" in place of "+"', 'Basic YzrDvz8-'], // "c:ÿ?>" in base64url
      ['base64url "_" in place of "/"', 'Basic Yzo_Pz8='], // "c:???" in base64url, padded
      ['unpadded base64', 'Basic ' + Buffer.from('ab:c').toString('base64').replace(/=+$/, '')],
      ['padding in the middle', 'Basic YQ==YQ=='],
      ['three padding characters', 'Basic Y==='],
      ['no colon', basic('client-secret')],
      ['an empty client id', basic(':secret')],
      ['an empty secret', basic('client:')],
      ['only a colon', basic(':')],
      ['bad percent-encoding in the secret', basic('client:%E0%A4%A')],
      ['bad percent-encoding in the client id', basic('cli%ZZent:secret')],
      ['a lone "%" in the secret', basic('client:50%')],
      ['percent-encoded invalid UTF-8 in the secret', basic('client:%FF')],
      ['invalid UTF-8 bytes after base64 decoding', basicBytes([0x63, 0x3a, 0xff, 0xfe])],
      ['a truncated UTF-8 sequence after base64 decoding', basicBytes([0x63, 0x3a, 0x73, 0xe2, 0x82])],
      ['an overlong UTF-8 encoding after base64 decoding', basicBytes([0x63, 0x3a, 0xc0, 0xba])],
    ])('refuses %s', (_label, header) => {
      expect(() => parseBasicCredentials(header)).toThrow(InvalidClientError);
    });

    it('refuses with invalid_client, status 401 and a WWW-Authenticate challenge', () => {
      const error = refusal(basic('client:'));
      expect(error.error).toBe('invalid_client');
      expect(error.status).toBe(401);
      expect(error.headers).toStrictEqual({ 'WWW-Authenticate': WWW_AUTHENTICATE });
      expect(error.toJSON()).toStrictEqual({
        error: 'invalid_client',
        error_description: 'malformed HTTP Basic credentials',
      });
    });

    it.each([
      ['not base64', 'Basic !!!!'],
      ['no colon', basic('client-secret')],
      ['bad percent-encoding', basic('client:%E0%A4%A')],
      ['invalid UTF-8', basicBytes([0x63, 0x3a, 0xff])],
    ])('refuses %s with the same 401 challenge', (_label, header) => {
      const error = refusal(header);
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toBe(WWW_AUTHENTICATE);
      expect(error.description).toBe('malformed HTTP Basic credentials');
    });
  });
});

describe('presentedCredentials with a client assertion (RFC 7521 4.2)', () => {
  const jwt = (claims: object) =>
    [{ alg: 'ES256' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') +
    '.c2ln';
  const req = (body: Record<string, string>, authorization?: string) =>
    ({ body, headers: authorization === undefined ? {} : { authorization } }) as unknown as Request;
  const refusal = (r: Request): InvalidClientError => {
    try {
      presentedCredentials(r);
    } catch (e) {
      if (e instanceof InvalidClientError) return e;
      throw e;
    }
    throw new Error('expected the request to be refused');
  };

  it('names the client by the assertion sub, or by client_id when sent', () => {
    const assertion = jwt({ iss: 'c1', sub: 'c1' });
    expect(
      presentedCredentials(req({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion })),
    ).toStrictEqual({ method: 'private_key_jwt', clientId: 'c1', clientAssertion: assertion });
    expect(
      presentedCredentials(
        req({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion, client_id: 'c2' }),
      ).clientId,
    ).toBe('c2');
    expect(
      presentedCredentials(req({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: 'not-a-jwt' }))
        .clientId,
    ).toBe('');
  });

  it('refuses an assertion beside a secret or Basic credentials as invalid_client', () => {
    const body = { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: jwt({ sub: 'c1' }) };
    const withSecret = refusal(req({ ...body, client_secret: 's' }));
    expect([withSecret.status, withSecret.headers['WWW-Authenticate']]).toEqual([401, undefined]);
    const withBasic = refusal(req(body, 'Basic YzE6cw=='));
    expect([withBasic.status, withBasic.headers['WWW-Authenticate']]).toEqual([
      401,
      'Basic realm="oauth", charset="UTF-8"',
    ]);
  });

  it('refuses another assertion type and a missing assertion as invalid_client', () => {
    expect(refusal(req({ client_assertion_type: 'urn:other', client_assertion: jwt({}) })).message).toBe(
      `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`,
    );
    expect(refusal(req({ client_assertion: jwt({}) })).status).toBe(401);
    expect(refusal(req({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE })).message).toBe(
      'client_assertion is missing',
    );
  });
});
