import { jest } from '@jest/globals';
import * as crypto from 'node:crypto';

export interface TimingSafeSpy {
  /** Every timingSafeEqual call since the last reset, with copies of both operands. */
  calls: { a: Buffer; b: Buffer }[];
  /** When set, what the wrapped timingSafeEqual answers instead of the real comparison. */
  overrule: boolean | undefined;
  /** The byte lengths of both operands of each call. */
  lengths(): [number, number][];
  reset(): void;
}

/**
 * Wraps node:crypto's timingSafeEqual for the modules imported (dynamically) after this call: a
 * constant-time comparison shows up as a call on two fixed-length operands, and its answer must
 * follow the one overruled; a comparison by `===` makes no call at all.
 */
export function spyOnTimingSafeEqual(): TimingSafeSpy {
  const spy: TimingSafeSpy = {
    calls: [],
    overrule: undefined,
    lengths: () => spy.calls.map(({ a, b }) => [a.length, b.length]),
    reset() {
      spy.calls.length = 0;
      spy.overrule = undefined;
    },
  };
  jest.unstable_mockModule('node:crypto', () => {
    const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
      const real = crypto.timingSafeEqual(a, b);
      spy.calls.push({ a: Buffer.from(a as Uint8Array), b: Buffer.from(b as Uint8Array) });
      return spy.overrule ?? real;
    };
    return { ...crypto, default: { ...crypto, timingSafeEqual }, timingSafeEqual };
  });
  return spy;
}
