import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportSPKI, importJWK, SignJWT } from 'jose';
import { type AccessTokenPolicy, AccessTokenVerifier } from './access-token-verifier.js';
import { BearerError } from './bearer-error.js';
import { LocalKeysAccessTokenVerifier } from './local-keys.js';
import { RemoteKeysAccessTokenVerifier } from './remote-keys.js';
import { type JwksTestServer, startJwksServer } from './testing/jwks-test-server.js';
import {
  signAccessToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestSigningKey,
  testSigningKey,
  unsecuredToken,
} from './testing/test-tokens.js';

/** Builds one implementation over the given published keys; `close` releases what it started. */
type Setup = (
  key: TestSigningKey,
  policy: AccessTokenPolicy,
) => Promise<{ verifier: AccessTokenVerifier; close(): Promise<void> }>;

const policy: AccessTokenPolicy = {
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
  algorithms: ['ES256', 'EdDSA', 'RS256'],
  clockToleranceSeconds: 0,
  clock: { now: () => Date.now() },
};

/** The one contract every AccessTokenVerifier keeps: the claims, or a BearerError invalid_token. */
function verifierContract(name: string, setup: Setup): void {
  describe(`${name} keeps the AccessTokenVerifier contract`, () => {
    let key: TestSigningKey;
    let verifier: AccessTokenVerifier;
    let close: () => Promise<void>;

    beforeAll(async () => {
      key = await testSigningKey('contract-key');
      ({ verifier, close } = await setup(key, policy));
    });
    afterAll(() => close());

    const now = () => Math.floor(Date.now() / 1000);

    it('resolves to the claims of a valid token', async () => {
      const claims = await verifier.verify(await signAccessToken(key, { sub: 'user-1', client_id: 'app-1' }));
      expect(claims).toMatchObject({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', client_id: 'app-1' });
    });

    const hs256WithThePublicKey = async () => {
      const pem = await exportSPKI((await importJWK(key.publicJwk, key.alg)) as CryptoKey);
      return new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'c', client_id: 'c', jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(pem));
    };

    const cases: [string, () => Promise<string> | string, string][] = [
      ['an expired token', () => signAccessToken(key, { exp: now() - 1 }), 'the access token expired'],
      ['a token not valid yet', () => signAccessToken(key, { nbf: now() + 60 }), 'the access token is not valid yet'],
      ['another issuer', () => signAccessToken(key, { iss: 'https://evil.test' }), 'the iss claim is not accepted'],
      ['another audience', () => signAccessToken(key, { aud: 'https://other.test' }), 'the aud claim is not accepted'],
      ['alg none', () => unsecuredToken(), 'the signing algorithm is not accepted'],
      ['HS256 with the public key as the secret', hs256WithThePublicKey, 'the signing algorithm is not accepted'],
      [
        'an unknown kid',
        async () => signAccessToken(await testSigningKey('unknown-kid')),
        'the access token is signed with an unknown key',
      ],
      ['garbage', () => 'not-a-token', 'the access token is malformed'],
      [
        'the wrong typ (an ID token)',
        () => signAccessToken(key, {}, { typ: 'JWT' }),
        'the token is not an access token (typ must be at+jwt)',
      ],
    ];

    it.each(cases)('throws BearerError invalid_token for %s', async (_case, token, description) => {
      const failure = await verifier.verify(await token()).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(BearerError);
      expect(failure).toMatchObject({ code: 'invalid_token', body: { error_description: description } });
      expect((failure as BearerError).getStatus()).toBe(401);
    });
  });
}

verifierContract(RemoteKeysAccessTokenVerifier.name, async (key, policy) => {
  const jwks: JwksTestServer = await startJwksServer([key.publicJwk]);
  const options = { ...policy, jwksUri: jwks.uri, jwksTimeoutMs: 5000, jwksCooldownMs: 30000 };
  return { verifier: new RemoteKeysAccessTokenVerifier(options), close: () => jwks.close() };
});

verifierContract(LocalKeysAccessTokenVerifier.name, async (key, policy) => {
  const source = { version: 1, jwks: async () => ({ keys: [key.publicJwk] }) };
  return { verifier: new LocalKeysAccessTokenVerifier(source, policy), close: async () => undefined };
});

describe(LocalKeysAccessTokenVerifier.name, () => {
  it('lets a failure to read the keys through: it is not the token that is wrong', async () => {
    const down = new Error('database unavailable');
    const source = { version: 1, jwks: () => Promise.reject(down) };
    const key = await testSigningKey('k');
    await expect(new LocalKeysAccessTokenVerifier(source, policy).verify(await signAccessToken(key))).rejects.toBe(
      down,
    );
  });

  it('reads the keys again when a rotation brought a kid it does not know', async () => {
    const [first, second] = await Promise.all([testSigningKey('first'), testSigningKey('second')]);
    const source = { version: 1, keys: [first.publicJwk], jwks: async () => ({ keys: source.keys }) };
    const verifier = new LocalKeysAccessTokenVerifier(source, policy);
    await verifier.verify(await signAccessToken(first));
    source.keys = [first.publicJwk, second.publicJwk];
    source.version = 2;
    await expect(verifier.verify(await signAccessToken(second))).resolves.toMatchObject({ iss: TEST_ISSUER });
  });
});
