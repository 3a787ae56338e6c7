import { randomInt } from 'node:crypto';

/** RFC 8628 6.1: consonants only, without look-alikes (no vowels, no 0/O or 1/I), upper case. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

const NORMALIZED = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

/** A new user code in its normalized form (8 characters, no dash): 20^8 ≈ 2.56×10^10 codes. */
export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** As shown to the user: two groups of four, `BDWP-HQPK`. */
export function formatUserCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

/**
 * What the user typed, as stored and compared (RFC 8628 6.1): case-insensitive, dashes and spaces
 * ignored. Null when it cannot be a user code of this server, so it is never looked up.
 */
export function normalizeUserCode(input: string): string | null {
  if (input.length > 32) return null;
  const code = input.replace(/[-\s]/g, '').toUpperCase();
  return NORMALIZED.test(code) ? code : null;
}
