import { createHash } from 'node:crypto';
import { verifierMatches } from './pkce.js';

describe('verifierMatches (RFC 7636 4.6, S256)', () => {
  // RFC 7636 appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('accepts the verifier of the challenge (the RFC example)', () => {
    expect(verifierMatches(verifier, challenge)).toBe(true);
  });

  it('refuses another verifier, a missing one, and the challenge itself (plain)', () => {
    expect(verifierMatches(verifier.replace('d', 'e'), challenge)).toBe(false);
    expect(verifierMatches(undefined, challenge)).toBe(false);
    expect(verifierMatches(challenge, challenge)).toBe(false);
  });

  it('refuses verifiers outside 43-128 unreserved characters even when they hash right', () => {
    for (const bad of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)} `]) {
      const matching = createHash('sha256').update(bad, 'ascii').digest('base64url');
      expect(verifierMatches(bad, matching)).toBe(false);
    }
  });
});
