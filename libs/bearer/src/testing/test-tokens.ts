import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export const TEST_ISSUER = 'https://issuer.test';
export const TEST_AUDIENCE = 'https://api.test';

export interface TestSigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function testSigningKey(kid: string, alg = 'ES256'): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** An RFC 9068 access token like the authorization server's; `claims` and `header` override its parts. */
export function signAccessToken(
  key: TestSigningKey,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: 'client-1',
    client_id: 'client-1',
    scope: 'read',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

/** An unsecured JWT (alg none, RFC 7519 6) with the right claims. */
export function unsecuredToken(claims: JWTPayload = {}): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: 'c',
    client_id: 'c',
    scope: 'read',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...claims,
  };
  return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(payload)}.`;
}
