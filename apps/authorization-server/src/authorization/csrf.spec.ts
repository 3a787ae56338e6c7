/**
 * The double-submit CSRF check. node:crypto is wrapped to record every timingSafeEqual call (and
 * to overrule its answer) before csrf.ts is imported: the cookie and the form token must be
 * compared in constant time, as two fixed-length digests, whatever the form token's length.
 */
import { spyOnTimingSafeEqual } from '../../../../test/support/timing-safe-spy.js';
import type { Request } from 'express';
import * as crypto from 'node:crypto';

const spy = spyOnTimingSafeEqual();

const { csrfValid } = await import('./csrf.js');

const ISSUER_ORIGIN = 'https://as.example';
const TOKEN = crypto.randomBytes(32).toString('base64url');

function request(headers: Record<string, string>): Request {
  return { headers } as unknown as Request;
}

/** csrfValid for a browser holding `cookie`, posting `formToken`; with the comparisons it made. */
function check(formToken: string | undefined, cookie = TOKEN, origin?: string) {
  spy.calls.length = 0;
  const headers: Record<string, string> = { cookie: `other=1; as_csrf=${cookie}` };
  if (origin !== undefined) headers.origin = origin;
  const valid = csrfValid(request(headers), formToken, ISSUER_ORIGIN);
  return { valid, comparisons: spy.lengths() };
}

afterEach(() => {
  spy.overrule = undefined;
});

describe('csrfValid', () => {
  it('accepts the form token equal to the cookie, from our origin or without an Origin header', () => {
    expect(check(TOKEN).valid).toBe(true);
    expect(check(TOKEN, TOKEN, ISSUER_ORIGIN).valid).toBe(true);
  });

  it('refuses another origin, a missing token, a missing or malformed cookie', () => {
    expect(check(TOKEN, TOKEN, 'https://evil.example').valid).toBe(false);
    expect(check(undefined).valid).toBe(false);
    expect(check('').valid).toBe(false);
    expect(csrfValid(request({}), TOKEN, ISSUER_ORIGIN)).toBe(false);
    expect(check(`${TOKEN}!`, `${TOKEN}!`).valid).toBe(false);
  });

  it('compares the cookie and the form token through one timingSafeEqual of two 32-byte digests', () => {
    expect(check(TOKEN).comparisons).toEqual([[32, 32]]);
  });

  it.each([
    ['one character short', TOKEN.slice(1)],
    ['one character long', `${TOKEN}A`],
    ['differing in the last character', TOKEN.slice(0, -1) + (TOKEN.at(-1) === 'A' ? 'B' : 'A')],
    ['a single character', 'a'],
    ['long', 'a'.repeat(5000)],
    ['non-ASCII', `${TOKEN.slice(1)}é`],
  ])('refuses a form token %s, after the same fixed-length comparison', (_case, formToken) => {
    expect(check(formToken)).toEqual({ valid: false, comparisons: [[32, 32]] });
  });

  it('answers what timingSafeEqual answers, not what another comparison would', () => {
    spy.overrule = false;
    expect(check(TOKEN).valid).toBe(false);
    spy.overrule = true;
    expect(check('a'.repeat(43)).valid).toBe(true);
  });
});
