/**
 * Secrets are compared in constant time: always with crypto.timingSafeEqual, always on two
 * digests of the same fixed length, whatever the inputs and whether a hash is stored at all.
 * node:crypto is wrapped to record every timingSafeEqual call (and to overrule its answer), then
 * the module under test is imported: a comparison by `===` would make no call, and its answer
 * would not follow the one overruled.
 */
import { type TimingSafeSpy, spyOnTimingSafeEqual } from '../../../test/support/timing-safe-spy.js';

const spy = spyOnTimingSafeEqual();

const { SecretPrefix, digestsEqual, hashSecret, mintSecret, secretMatchesHash } = await import('./opaque-secrets.js');

/** Runs `compare` and answers its result with the timingSafeEqual calls it made. */
function observe(compare: () => boolean): { result: boolean; calls: TimingSafeSpy['calls'] } {
  spy.calls.length = 0;
  const result = compare();
  return { result, calls: [...spy.calls] };
}

/** Exactly one timingSafeEqual call, on two 32-byte (SHA-256) digests. */
function expectOneDigestComparison(calls: TimingSafeSpy['calls']): void {
  expect(calls.map(({ a, b }) => [a.length, b.length])).toEqual([[32, 32]]);
}

const PRESENTED_OF_EVERY_LENGTH = [
  '',
  'x',
  'ascs_short',
  mintSecret(SecretPrefix.ClientSecret).value,
  'a'.repeat(10_000),
  'é🔑\u0000',
];

afterEach(() => {
  spy.overrule = undefined;
});

describe('secretMatchesHash compares in constant time', () => {
  const { value, hash } = mintSecret(SecretPrefix.ClientSecret);

  it('compares the digest of the presented secret with the stored digest through timingSafeEqual', () => {
    const { result, calls } = observe(() => secretMatchesHash(value, hash));
    expect(result).toBe(true);
    expectOneDigestComparison(calls);
    expect(calls[0].a.equals(Buffer.from(hashSecret(value), 'hex'))).toBe(true);
    expect(calls[0].b.equals(Buffer.from(hash, 'hex'))).toBe(true);
  });

  it('answers what timingSafeEqual answers, not what another comparison would', () => {
    spy.overrule = false;
    expect(secretMatchesHash(value, hash)).toBe(false);
    spy.overrule = true;
    expect(secretMatchesHash('another secret', hash)).toBe(true);
  });

  it.each(PRESENTED_OF_EVERY_LENGTH.map((s) => [s.length, s]))(
    'makes one comparison of fixed-length digests for a presented secret of length %i',
    (_length, presented) => {
      const { result, calls } = observe(() => secretMatchesHash(presented, hash));
      expect(result).toBe(false);
      expectOneDigestComparison(calls);
    },
  );

  // An unknown client has no stored hash: the same work is done, so timing does not tell it apart.
  it.each([
    ['null (an unknown client or a public one)', null],
    ['undefined (an unknown client)', undefined],
    ['empty', ''],
    ['too short', hash.slice(0, 62)],
    ['too long', `${hash}00`],
    ['odd-length', `${hash}f`],
    ['not hex', 'z'.repeat(64)],
  ])('makes one comparison of fixed-length digests when the stored hash is %s, and answers false', (_case, stored) => {
    for (const presented of PRESENTED_OF_EVERY_LENGTH) {
      spy.overrule = undefined;
      const { result, calls } = observe(() => secretMatchesHash(presented, stored));
      expect(result).toBe(false);
      expectOneDigestComparison(calls);
      // Even a comparison answering true does not let a secret match a hash that is not stored.
      spy.overrule = true;
      expect(secretMatchesHash(presented, stored)).toBe(false);
    }
  });
});

describe('digestsEqual compares in constant time', () => {
  const token = mintSecret(SecretPrefix.AuthorizationCode).value;

  it('is true for equal values, through one comparison of fixed-length digests', () => {
    const { result, calls } = observe(() => digestsEqual(token, `${token}`));
    expect(result).toBe(true);
    expectOneDigestComparison(calls);
  });

  it.each(PRESENTED_OF_EVERY_LENGTH.map((s) => [s.length, s]))(
    'makes one comparison of fixed-length digests against a value of length %i',
    (_length, other) => {
      const { result, calls } = observe(() => digestsEqual(token, other));
      expect(result).toBe(false);
      expectOneDigestComparison(calls);
    },
  );

  it('is false for values differing in the last character only', () => {
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(digestsEqual(token, token.slice(0, -1) + last)).toBe(false);
  });

  it('answers what timingSafeEqual answers', () => {
    spy.overrule = false;
    expect(digestsEqual(token, token)).toBe(false);
    spy.overrule = true;
    expect(digestsEqual(token, 'different')).toBe(true);
  });
});
