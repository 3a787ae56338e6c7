import { jest } from '@jest/globals';
import * as crypto from 'node:crypto';

export interface ScryptSpy {
  /** The password (as UTF-8 bytes) of every scrypt call since the last reset. */
  inputs: Buffer[];
  /** The inputs as text. */
  texts(): string[];
  reset(): void;
}

/**
 * Wraps node:crypto's scrypt for the modules imported (dynamically) after this call: what reaches
 * the password hash, and how often, is then seen directly, whatever the time it takes.
 */
export function spyOnScrypt(): ScryptSpy {
  const spy: ScryptSpy = {
    inputs: [],
    texts: () => spy.inputs.map((b) => b.toString('utf8')),
    reset() {
      spy.inputs.length = 0;
    },
  };
  jest.unstable_mockModule('node:crypto', () => {
    const scrypt = (password: crypto.BinaryLike, ...rest: unknown[]): void => {
      spy.inputs.push(Buffer.from(typeof password === 'string' ? password : (password as Uint8Array)));
      (crypto.scrypt as (...args: unknown[]) => void)(password, ...rest);
    };
    return { ...crypto, default: { ...crypto, scrypt }, scrypt };
  });
  return spy;
}
