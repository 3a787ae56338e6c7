import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'as_session';
export const CSRF_COOKIE = 'as_csrf';

/** Reads one cookie from the Cookie header (RFC 6265 5.4), without a parser dependency. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

const options = (secure: boolean) => ({ httpOnly: true, sameSite: 'lax' as const, secure, path: '/oauth' });

/** HttpOnly, SameSite=Lax, and Secure whenever the issuer is https. */
export function setCookie(res: Response, name: string, value: string, maxAgeSeconds: number, secure: boolean): void {
  res.cookie(name, value, { ...options(secure), maxAge: maxAgeSeconds * 1000 });
}

/** Tells the browser to drop the cookie (same attributes, expired). */
export function clearCookie(res: Response, name: string, secure: boolean): void {
  res.clearCookie(name, options(secure));
}
