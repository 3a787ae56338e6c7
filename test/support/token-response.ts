/**
 * RFC 6749 section 5.1: the body of a successful token response, a bearer access token for `scope` that lives
 * `expiresIn` seconds, with a refresh token (this server's `asrt_` prefix) when `refresh` says so.
 */
export function bearerTokenResponse(
  scope: string,
  { expiresIn = 900, refresh = false }: { expiresIn?: number; refresh?: boolean } = {},
): Record<string, unknown> {
  return {
    access_token: expect.any(String),
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope,
    ...(refresh ? { refresh_token: expect.stringMatching(/^asrt_/) } : {}),
  };
}
