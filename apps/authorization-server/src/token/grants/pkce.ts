import { createHash } from 'node:crypto';
import { digestsEqual } from '#oauth';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
export function verifierMatches(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !VERIFIER.test(verifier)) return false;
  return digestsEqual(createHash('sha256').update(verifier, 'ascii').digest('base64url'), challenge);
}
