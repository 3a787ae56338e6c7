import { type KeyObject, createPrivateKey, sign } from 'node:crypto';
import type { JWK } from 'jose';

const DIGEST: Record<string, string | null> = { ES256: 'sha256', RS256: 'sha256', EdDSA: null };

/**
 * RFC 7515 compact serialization with one private key, signed synchronously by node:crypto.
 * The key is imported once and the protected header encoded once, so a signature costs one
 * JSON.stringify, two base64url encodings and the signing itself (no WebCrypto job per token).
 */
export class JwsSigner {
  private readonly digest: string | null;
  private readonly key: KeyObject;
  /** ES256: the DER signature node:crypto writes, rewritten as RFC 7518 3.4's R || S. */
  private readonly p1363: boolean;
  private readonly encodedHeader: string;

  constructor(
    readonly kid: string,
    readonly alg: string,
    privateJwk: JWK,
    typ: string,
  ) {
    if (!(alg in DIGEST)) throw new Error(`unsupported signing algorithm ${alg}`);
    this.digest = DIGEST[alg];
    this.key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    // RFC 7518 3.4: ECDSA signatures are R || S, not DER. The KeyObject itself goes to sign() and the
    // DER answer is rewritten here: an options object ({ key, dsaEncoding }) makes node:crypto prepare
    // the key again on every call, which doubled the cost of a signature (docs/benchmarks.md).
    this.p1363 = alg === 'ES256';
    this.encodedHeader = base64url(JSON.stringify({ alg, kid, typ }));
  }

  sign(claims: object): string {
    const signingInput = `${this.encodedHeader}.${base64url(JSON.stringify(claims))}`;
    const der = sign(this.digest, Buffer.from(signingInput), this.key);
    const signature = this.p1363 ? derToP1363(der, 32) : der;
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}

/**
 * An ECDSA signature from DER (SEQUENCE of two INTEGERs, X.690) to R || S, each left-padded to
 * `size` bytes (RFC 7518 3.4). The input is node:crypto's own output, so a malformed one is a bug: it throws.
 */
export function derToP1363(der: Buffer, size: number): Buffer {
  let at = 0;
  const expect = (condition: boolean) => {
    if (!condition) throw new Error('not a DER ECDSA signature');
  };
  expect(der[at++] === 0x30);
  let length = der[at++];
  if (length === 0x81) length = der[at++];
  expect(length === der.length - at);
  const out = Buffer.alloc(2 * size);
  for (let i = 0; i < 2; i += 1) {
    expect(der[at++] === 0x02);
    let n = der[at++];
    let start = at;
    at += n;
    expect(at <= der.length);
    // A leading zero only keeps a positive INTEGER positive; the value is the bytes after it.
    while (n > size && der[start] === 0) {
      start += 1;
      n -= 1;
    }
    expect(n <= size);
    der.copy(out, (i + 1) * size - n, start, start + n);
  }
  expect(at === der.length);
  return out;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
