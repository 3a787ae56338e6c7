import { type KeyObject, type SignKeyObjectInput, createPrivateKey, sign } from 'node:crypto';
import type { JWK } from 'jose';

const DIGEST: Record<string, string | null> = { ES256: 'sha256', RS256: 'sha256', EdDSA: null };

/**
 * RFC 7515 compact serialization with one private key, signed synchronously by node:crypto.
 * The key is imported once and the protected header encoded once, so a signature costs one
 * JSON.stringify, two base64url encodings and the signing itself (no WebCrypto job per token).
 */
export class JwsSigner {
  private readonly digest: string | null;
  private readonly key: SignKeyObjectInput | KeyObject;
  private readonly encodedHeader: string;

  constructor(
    readonly kid: string,
    readonly alg: string,
    privateJwk: JWK,
    typ: string,
  ) {
    if (!(alg in DIGEST)) throw new Error(`unsupported signing algorithm ${alg}`);
    this.digest = DIGEST[alg];
    const keyObject = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    // RFC 7518 3.4: ECDSA signatures are R || S, not DER.
    this.key = alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject;
    this.encodedHeader = base64url(JSON.stringify({ alg, kid, typ }));
  }

  sign(claims: object): string {
    const signingInput = `${this.encodedHeader}.${base64url(JSON.stringify(claims))}`;
    const signature = sign(this.digest, Buffer.from(signingInput), this.key);
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
