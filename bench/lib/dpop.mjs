// DPoP proofs (RFC 9449) for the load generator: one ES256 key per scenario, a fresh proof per request.
// Signed synchronously with node:crypto, since autocannon builds each request synchronously.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';

const b64 = (text) => Buffer.from(text).toString('base64url');

/** A function answering a new proof for `POST htu` each time it is called (fresh jti, iat now). */
export function dpopProver(htu) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = b64(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } }));
  return () => {
    const payload = b64(JSON.stringify({ htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID() }));
    const input = `${header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
}
