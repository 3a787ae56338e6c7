// The literal loopback forms RFC 8252 7.3 names; `localhost` and other spellings of 127.0.0.1 are not.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?][^#]*)?$/;

/**
 * RFC 6749 3.1.2.3 and RFC 9700 2.1: redirect URIs match by exact string comparison, except
 * that the port of a loopback IP redirect URI may vary (RFC 8252 7.3).
 */
export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const asked = withoutPort(requested);
  return asked !== null && registered.some((r) => withoutPort(r) === asked);
}

/** The raw URI with its port removed when it is a literal http loopback IP URI, else null. */
function withoutPort(uri: string): string | null {
  const match = LOOPBACK.exec(uri);
  if (!match || Number(match[2] ?? 80) > 65535 || !URL.canParse(uri)) return null;
  return `http://${match[1]}${match[3] ?? ''}`;
}
