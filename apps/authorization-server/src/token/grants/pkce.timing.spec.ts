/**
 * PKCE verification compares in constant time: node:crypto is wrapped to record every
 * timingSafeEqual call (and to overrule its answer) before pkce.ts is imported.
 */
import { spyOnTimingSafeEqual } from '../../../../../test/support/timing-safe-spy.js';

const spy = spyOnTimingSafeEqual();

const { verifierMatches } = await import('./pkce.js');

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 Appendix B

afterEach(() => {
  spy.calls.length = 0;
  spy.overrule = undefined;
});

describe('verifierMatches, timing', () => {
  it('compares two 32-byte digests once, for the right challenge', () => {
    expect(verifierMatches(VERIFIER, CHALLENGE)).toBe(true);
    expect(spy.lengths()).toStrictEqual([[32, 32]]);
  });

  it.each([
    ['a wrong challenge of the same length', CHALLENGE.replace('E9', 'F9')],
    ['a shorter challenge', CHALLENGE.slice(0, 10)],
    ['a longer challenge', `${CHALLENGE}${CHALLENGE}`],
  ])('compares fixed-length digests for %s, without an early return', (_, challenge) => {
    expect(verifierMatches(VERIFIER, challenge)).toBe(false);
    expect(spy.lengths()).toStrictEqual([[32, 32]]);
  });

  it('answers what the constant-time comparison answers', () => {
    spy.overrule = false;
    expect(verifierMatches(VERIFIER, CHALLENGE)).toBe(false);
    spy.overrule = true;
    expect(verifierMatches(VERIFIER, 'x')).toBe(true);
  });
});
