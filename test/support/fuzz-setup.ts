/** The fuzz-*.e2e-spec.ts files' shared settings (FUZZ_SCALE, FUZZ_SEED) and oracles. */
import fc from 'fast-check';
import { b64, pct } from './fuzz-arbitraries.js';
import { ISSUER } from './test-app.js';

export const SCALE = Number(process.env.FUZZ_SCALE ?? '1');
export const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** fast-check parameters: `n` runs (times FUZZ_SCALE). */
export const runs = <T>(n: number): fc.Parameters<T> => ({
  numRuns: Math.max(1, Math.round(n * SCALE)),
  ...(SEED === undefined ? {} : { seed: SEED }),
});
/** Per property; grows with FUZZ_SCALE. */
export const TIMEOUT = 180_000 * Math.max(1, SCALE);

export type Client = { client_id: string; client_secret?: string };

export const FORM = 'application/x-www-form-urlencoded';
/** The size limit of the sign-in and consent forms (and of the token endpoint's). */
export const FORM_LIMIT = 16 * 1024;
export const ISSUER_ORIGIN = new URL(ISSUER).origin;
export const basicHeader = (c: Client) => `Basic ${b64(`${pct(c.client_id)}:${pct(c.client_secret ?? '')}`)}`;

/**
 * The server's own form decoding (FormBodyGuard.parseForm), to know what a body says:
 * null when the server must refuse it (bad percent-encoding or a repeated name).
 */
export function parseFormLike(body: string): Record<string, string> | null {
  const params: Record<string, string> = Object.create(null);
  try {
    for (const pair of body.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      const name = decode(eq < 0 ? pair : pair.slice(0, eq));
      const v = eq < 0 ? '' : decode(pair.slice(eq + 1));
      if (v === '') continue;
      if (name in params) return null;
      params[name] = v;
    }
  } catch {
    return null;
  }
  return params;
}

/** The redirect URI with the port of a loopback IP literal dropped (RFC 8252 7.3 lets it vary). */
export function withoutLoopbackPort(uri: string): string {
  return uri.replace(/^http:\/\/(127\.0\.0\.1|\[::1\])(:\d+)?(?=[/?#]|$)/i, 'http://$1');
}

/** A redirect is safe when it goes to one of the client's registered redirect URIs, with parameters added. */
export function redirectsToRegistered(location: string, registered: readonly string[]): boolean {
  const target = withoutLoopbackPort(location);
  return registered.some((r) => target.startsWith(`${withoutLoopbackPort(r)}?`));
}
