const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * RFC 6749 3.1.2.3 and RFC 9700 2.1: redirect URIs match by exact string comparison, except
 * that the port of a loopback IP redirect URI may vary (RFC 8252 7.3).
 */
export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const asked = loopback(requested);
  return asked !== null && registered.some((r) => loopback(r) === asked);
}

/** The URI without its port when it is an http loopback IP URI, else null. */
function loopback(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || url.username || url.password) return null;
  const rest = uri.slice(uri.indexOf(url.hostname) + url.hostname.length).replace(/^:\d+/, '');
  return `http://${url.hostname}${rest}`;
}
