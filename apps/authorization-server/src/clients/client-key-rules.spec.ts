import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { validateEnvironment } from '#config';
import { jwksProblem, jwksUriProblem } from './client-key-rules.js';
import { type RegisteredClientShape, registrationProblem } from './client-registration-rules.js';

async function publicJwk(alg: string, kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(publicKey)), kid };
}

async function privateJwk(alg: string, kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
}

describe(jwksProblem.name, () => {
  let ec: JWK;
  let ed: JWK;
  let rsa: JWK;
  beforeAll(async () => {
    [ec, ed, rsa] = await Promise.all([publicJwk('ES256', 'ec'), publicJwk('EdDSA', 'ed'), publicJwk('RS256', 'rsa')]);
  });

  it('accepts public EC P-256, Ed25519 and RSA keys, each with its own kid', () => {
    expect(jwksProblem({ keys: [ec, ed, rsa] })).toBeNull();
    expect(
      jwksProblem({
        keys: [
          { ...ec, alg: 'ES256', use: 'sig' },
          { ...rsa, alg: 'PS256' },
        ],
      }),
    ).toBeNull();
  });

  it.each(['ES256', 'EdDSA', 'RS256'])('refuses a private %s key, naming its private members', async (alg) => {
    expect(jwksProblem({ keys: [await privateJwk(alg, 'k1')] })).toMatch(
      /^jwks key k1 holds private or symmetric key members \(d/,
    );
  });

  it('refuses a symmetric key', () => {
    expect(jwksProblem({ keys: [{ kty: 'oct', kid: 's', k: 'c2VjcmV0' }] })).toBe(
      'jwks key s holds private or symmetric key members (k)',
    );
  });

  it('refuses a key without kid, and two keys with one kid', () => {
    const { kid: _, ...unnamed } = ec;
    expect(jwksProblem({ keys: [unnamed] })).toBe('each jwks key needs a kid (1-200 printable ASCII characters)');
    expect(jwksProblem({ keys: [ec, { ...ed, kid: 'ec' }] })).toBe('jwks kids must be unique: ec');
  });

  it('refuses key types, curves, algs and uses the assertion algorithms cannot verify with', () => {
    expect(jwksProblem({ keys: [{ ...ec, crv: 'P-384' }] })).toBe('jwks key ec of kty EC must have crv P-256');
    expect(jwksProblem({ keys: [{ ...ec, alg: 'RS256' }] })).toBe('jwks key ec has alg RS256; a EC key may have ES256');
    expect(jwksProblem({ keys: [{ ...ec, use: 'enc' }] })).toBe('jwks key ec must have use sig');
    expect(jwksProblem({ keys: [{ kty: 'XYZ', kid: 'x' }] })).toMatch(/^jwks key x must have kty EC, OKP or RSA/);
    expect(jwksProblem({ keys: [{ ...ec, x: 'AAAA' }] })).toBe('jwks key ec is not a valid public key');
  });

  it('refuses an RSA key under 2048 bits', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const small = { ...publicKey.export({ format: 'jwk' }), kid: 'small' };
    expect(jwksProblem({ keys: [small] })).toBe('jwks key small must be an RSA key of at least 2048 bits');
  });

  it('refuses what is not a JWK Set of 1 to 20 keys', () => {
    expect(jwksProblem([ec])).toBe('jwks must be a JWK Set: an object with a keys array');
    expect(jwksProblem({ keys: [] })).toBe('jwks must hold 1 to 20 keys');
    expect(jwksProblem({ keys: [ec], extra: 1 })).toBe('jwks must hold keys only');
    expect(jwksProblem({ keys: ['x'] })).toBe('each jwks key must be a JWK object');
  });
});

describe(jwksUriProblem.name, () => {
  it('accepts https on a public name or address', () => {
    expect(jwksUriProblem('https://keys.example/jwks.json', false)).toBeNull();
    expect(jwksUriProblem('https://93.184.215.14/jwks.json', false)).toBeNull();
  });

  it.each([
    'https://127.0.0.1/jwks.json',
    'https://localhost:8443/jwks.json',
    'https://[::1]/jwks.json',
    'https://10.0.0.5/jwks.json',
    'https://169.254.169.254/latest',
    'https://192.168.1.1/jwks.json',
  ])('refuses %s unless JWKS_URI_ALLOW_PRIVATE', (uri) => {
    expect(jwksUriProblem(uri, false)).toMatch(/is a loopback or private address/);
    expect(jwksUriProblem(uri, true)).toBeNull();
  });

  it('refuses http unless JWKS_URI_ALLOW_PRIVATE, and credentials or fragments always', () => {
    expect(jwksUriProblem('http://keys.example/jwks.json', false)).toBe(
      'jwks_uri must use https (http only with JWKS_URI_ALLOW_PRIVATE=true)',
    );
    expect(jwksUriProblem('http://127.0.0.1:8080/jwks.json', true)).toBeNull();
    expect(jwksUriProblem('https://u:p@keys.example/jwks.json', true)).toBe(
      'jwks_uri must have no credentials or fragment',
    );
    expect(jwksUriProblem('not a url', true)).toBe('jwks_uri must be an absolute URL');
  });
});

describe('registrationProblem for private_key_jwt', () => {
  const policy = { adminScopeWithUserGrants: false, jwksUriAllowPrivate: false, securityEventsAllowHttp: false };
  const client = (changes: Partial<RegisteredClientShape>): RegisteredClientShape => ({
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    scope: 'read',
    refresh_token_rotation: true,
    ...changes,
  });
  let ec: JWK;
  beforeAll(async () => {
    ec = await publicJwk('ES256', 'ec');
  });

  it('needs exactly one of jwks and jwks_uri', () => {
    const message = 'a private_key_jwt client needs exactly one of jwks and jwks_uri';
    expect(registrationProblem(client({}), policy)).toBe(message);
    expect(registrationProblem(client({ jwks: { keys: [ec] }, jwks_uri: 'https://k.example/j' }), policy)).toBe(
      message,
    );
    expect(registrationProblem(client({ jwks: { keys: [ec] } }), policy)).toBeNull();
    expect(registrationProblem(client({ jwks_uri: 'https://k.example/j', jwks: null }), policy)).toBeNull();
  });

  it('refuses keys for clients authenticated otherwise', () => {
    const message = 'jwks and jwks_uri are only for token_endpoint_auth_method private_key_jwt';
    for (const method of ['client_secret_basic', 'client_secret_post', 'none']) {
      const other = client({ token_endpoint_auth_method: method, grant_types: ['refresh_token'] });
      expect(registrationProblem({ ...other, jwks: { keys: [ec] } }, policy)).toBe(message);
      expect(registrationProblem({ ...other, jwks_uri: 'https://k.example/j' }, policy)).toBe(message);
    }
    expect(registrationProblem(client({ token_endpoint_auth_method: 'client_secret_basic' }), policy)).toBeNull();
  });
});

describe('JWKS_URI_ALLOW_PRIVATE', () => {
  it('defaults to false and accepts true or false only', () => {
    expect(validateEnvironment({}).JWKS_URI_ALLOW_PRIVATE).toBe('false');
    expect(validateEnvironment({ JWKS_URI_ALLOW_PRIVATE: 'true' }).JWKS_URI_ALLOW_PRIVATE).toBe('true');
    expect(() => validateEnvironment({ JWKS_URI_ALLOW_PRIVATE: 'yes' })).toThrow(
      'JWKS_URI_ALLOW_PRIVATE must be one of the following values: true, false',
    );
  });
});
