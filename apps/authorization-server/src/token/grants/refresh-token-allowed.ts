import { GrantType } from '#oauth';
import type { ClientEntity } from '#persistence';

/**
 * Whether a grant a user approved (a code, a device code) comes with a refresh token: the client must have
 * the refresh_token grant, and with refresh_token_requires_offline_access the user must have granted
 * offline_access.
 */
export function refreshTokenAllowed(client: ClientEntity, scope: readonly string[]): boolean {
  if (!client.grant_types.includes(GrantType.RefreshToken)) return false;
  return !client.refresh_token_requires_offline_access || scope.includes('offline_access');
}
