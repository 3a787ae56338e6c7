import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { JwsSigner, derToP1363 } from './jws-signer.js';

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

  describe(derToP1363.name, () => {
    it('gives the R || S that node:crypto gives for ieee-p1363, for every length R and S come in', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const lengths = new Set<number>();
      // R or S shorter than 32 bytes (about 1 in 128 signatures) or with a sign byte (1 in 2): 3,000 cover both.
      for (let i = 0; i < 3000; i += 1) {
        const data = Buffer.from(`message ${i}`);
        const der = sign('sha256', data, privateKey);
        lengths.add(der[3]).add(der[5 + der[3]]);
        const raw = derToP1363(der, 32);
        expect(raw).toHaveLength(64);
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
        expect(verify('sha256', data, publicKey, der)).toBe(true);
      }
      expect([...lengths].sort()).toEqual(expect.arrayContaining([31, 32, 33]));
    });

    it('pads a short INTEGER on the left and drops a sign byte', () => {
      const r = Buffer.from([0x00, 0x80, ...Array(31).fill(1)]); // 33 bytes: sign byte, then 32
      const s = Buffer.from(Array(30).fill(2)); // 30 bytes: two zero bytes to add
      const der = Buffer.from([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);

      const raw = derToP1363(der, 32);

      expect(raw.subarray(0, 32)).toEqual(r.subarray(1));
      expect(raw.subarray(32)).toEqual(Buffer.concat([Buffer.alloc(2), s]));
    });

    it('throws on what is not a DER signature of that size instead of writing a wrong one', () => {
      const good = sign('sha256', Buffer.from('x'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
      expect(() => derToP1363(Buffer.concat([good, Buffer.from([0])]), 32)).toThrow('not a DER ECDSA signature');
      expect(() => derToP1363(good.subarray(0, good.length - 1), 32)).toThrow('not a DER ECDSA signature');
      const long = Buffer.from([0x30, 38, 0x02, 34, 0x01, ...Array(33).fill(1), 0x02, 0]);
      expect(() => derToP1363(long, 32)).toThrow('not a DER ECDSA signature');
    });
  });
});
