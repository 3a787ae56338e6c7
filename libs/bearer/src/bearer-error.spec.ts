import { BearerError } from './bearer-error.js';

describe(BearerError.name, () => {
  it('answers a request without a token with 401 and a bare challenge (RFC 6750 3.1)', () => {
    const e = BearerError.missingToken().inRealm('api');
    expect(e.getStatus()).toBe(401);
    expect(e.body).toEqual({ error_description: 'an access token is required' });
    expect(e.challenge).toBe('Bearer realm="api"');
  });

  it.each([
    [
      BearerError.invalidRequest('two tokens'),
      400,
      'Bearer realm="api", error="invalid_request", error_description="two tokens"',
    ],
    [
      BearerError.invalidToken('expired'),
      401,
      'Bearer realm="api", error="invalid_token", error_description="expired"',
    ],
    [
      BearerError.insufficientScope(['read', 'write']),
      403,
      'Bearer realm="api", error="insufficient_scope", scope="read write"',
    ],
  ])('answers %s with its status and challenge', (error, status, challenge) => {
    expect(error.getStatus()).toBe(status);
    expect(error.inRealm('api').challenge).toBe(challenge);
  });

  it('names the needed scopes in the body of insufficient_scope', () => {
    expect(BearerError.insufficientScope(['read', 'write']).body).toEqual({
      error: 'insufficient_scope',
      error_description: 'the request needs the scope read write',
    });
  });

  it('leaves the realm out until a guard names it', () => {
    expect(BearerError.invalidToken('bad').challenge).toBe('Bearer error="invalid_token", error_description="bad"');
    expect(BearerError.missingToken().challenge).toBe('Bearer');
  });

  it('escapes the realm as a quoted-string and keeps the other values inside their RFC 6750 3 character set', () => {
    const e = BearerError.invalidToken('a "quoted" \\ description\r\nX-Injected: 1 é').inRealm('my "realm" \\');
    expect(e.challenge).toBe(
      'Bearer realm="my \\"realm\\" \\\\", error="invalid_token", error_description="a quoted  descriptionX-Injected: 1 "',
    );
    expect(BearerError.insufficientScope(['a"b']).challenge).toBe('Bearer error="insufficient_scope", scope="ab"');
  });

  it('keeps the answer and its description when moved into a realm', () => {
    const e = BearerError.invalidToken('expired');
    expect(e.inRealm('admin')).toMatchObject({ code: 'invalid_token', message: 'expired', realm: 'admin' });
    expect(e.realm).toBeUndefined();
  });
});

describe('BearerError as a DPoP challenge (RFC 9449 7.1)', () => {
  it('keeps the realm, the code and the description, and names the proof algorithms', () => {
    const e = BearerError.invalidDpopProof('the DPoP proof is too old').asDpop(['ES256', 'EdDSA']).inRealm('api');
    expect(e.getStatus()).toBe(401);
    expect(e.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'the DPoP proof is too old' });
    expect(e.challenge).toBe(
      'DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof is too old", algs="ES256 EdDSA"',
    );
  });
});
