import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { JwsSigner } from './jws-signer.js';

const claims = { iss: 'https://issuer.test', sub: 'user-1', aud: 'api', iat: 1_800_000_000, exp: 4_000_000_000 };

describe(JwsSigner.name, () => {
  it.each(['ES256', 'RS256', 'EdDSA'] as const)(
    'signs %s tokens that jose verifies with the public key',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const signer = new JwsSigner('kid-1', alg, await exportJWK(privateKey), 'at+jwt');

      const token = signer.sign(claims);

      expect(decodeProtectedHeader(token)).toStrictEqual({ alg, kid: 'kid-1', typ: 'at+jwt' });
      const { payload } = await jwtVerify(token, publicKey, { algorithms: [alg], typ: 'at+jwt' });
      expect(payload).toStrictEqual(claims);
    },
  );

  it('writes ES256 signatures as the 64-byte R || S of RFC 7518 3.4, not DER', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const signer = new JwsSigner('k', 'ES256', await exportJWK(privateKey), 'at+jwt');

    const signature = signer.sign(claims).split('.')[2];

    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
  });

  it('fails verification against another key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    const token = new JwsSigner('k', 'ES256', await exportJWK(privateKey), 'at+jwt').sign(claims);

    await expect(jwtVerify(token, other.publicKey)).rejects.toThrow('signature verification failed');
  });

  it('refuses an algorithm it does not implement', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    expect(() => new JwsSigner('k', 'HS256', jwk, 'at+jwt')).toThrow('unsupported signing algorithm HS256');
  });
});
