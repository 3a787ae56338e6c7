import type { Request, Response } from 'express';
import { OAuthError, parseForm, readBody } from '#oauth';
import { AuthorizationPageError } from './authorization-request.js';
import { csrfValid } from './csrf.js';
import { errorPage } from './pages/pages.js';

/** The headers of every page of the sign-in, consent and device flows. */
export const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on the form posts.
  'Referrer-Policy': 'same-origin',
};

export function sendPage(res: Response, status: number, page: string): void {
  res.set(PAGE_HEADERS).status(status).type('html').send(page);
}

/** A posted form of our own pages: form-encoded, at most 16 KiB, with a valid CSRF token. */
export async function readPageForm(req: Request, issuerOrigin: string): Promise<Record<string, string>> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
    throw new AuthorizationPageError('Invalid request', 'The form could not be read.');
  }
  let form: Record<string, string>;
  try {
    form = parseForm(await readBody(req, 16 * 1024));
  } catch {
    throw new AuthorizationPageError('Invalid request', 'The form could not be read.');
  }
  if (!csrfValid(req, form.csrf_token, issuerOrigin)) {
    throw new AuthorizationPageError(
      'Request refused',
      'The form expired or did not come from this site. Go back and try again.',
      403,
    );
  }
  return form;
}

/** Renders a page error (or a protocol error met on the way) as the error page; false for anything else. */
export function sentPageError(res: Response, e: unknown): boolean {
  if (e instanceof AuthorizationPageError) {
    sendPage(res, e.status, errorPage(e.title, e.message));
    return true;
  }
  if (e instanceof OAuthError) {
    sendPage(res, 400, errorPage('Invalid request', e.description));
    return true;
  }
  return false;
}
