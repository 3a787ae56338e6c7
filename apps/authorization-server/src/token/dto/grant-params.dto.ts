import { FORM_BODY_LIMIT } from '#oauth';
import { optional, required } from '../grant-params.js';

/** RFC 6749 4.4.2. */
export const ClientCredentialsParams = { scope: optional(2048) };

/**
 * RFC 6749 4.3.2. The password's length rule (1,024 UTF-8 bytes) is UsersService's: a longer one is
 * refused like a wrong one, invalid_grant after the same work, not invalid_request at once.
 */
export const PasswordParams = { username: required(200), password: required(FORM_BODY_LIMIT), scope: optional(2048) };

/** RFC 6749 6. */
export const RefreshTokenParams = { refresh_token: required(512), scope: optional(2048) };

/** RFC 6749 4.1.3 with RFC 7636 4.5. */
export const AuthorizationCodeParams = {
  code: required(512),
  redirect_uri: optional(2048),
  code_verifier: optional(128),
};

/** RFC 8628 3.4. */
export const DeviceCodeParams = { device_code: required(512) };

/** RFC 8628 3.1 (client_id is client authentication's). */
export const DeviceAuthorizationParams = { scope: optional(2048) };
