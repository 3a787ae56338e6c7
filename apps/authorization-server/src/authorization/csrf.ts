import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { digestsEqual } from '#oauth';
import { CSRF_COOKIE, readCookie, setCookie } from './cookies.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Double-submit CSRF token: the same random value in an HttpOnly SameSite cookie and in the form. */
export function csrfToken(req: Request, res: Response, secure: boolean): string {
  const existing = readCookie(req, CSRF_COOKIE);
  if (existing && TOKEN.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(res, CSRF_COOKIE, token, 3600, secure);
  return token;
}

/** True when the form carries the cookie's token and, if the browser says where it posts from, that is us. */
export function csrfValid(req: Request, formToken: string | undefined, issuerOrigin: string): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== issuerOrigin) return false;
  const cookie = readCookie(req, CSRF_COOKIE);
  if (!cookie || !formToken || !TOKEN.test(cookie)) return false;
  return digestsEqual(cookie, formToken);
}
