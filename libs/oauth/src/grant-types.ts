export const GrantType = {
  AuthorizationCode: 'authorization_code',
  ClientCredentials: 'client_credentials',
  Password: 'password',
  RefreshToken: 'refresh_token',
  /** RFC 8628 3.4: a device polls with the device code it was given. */
  DeviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
} as const;
export type GrantType = (typeof GrantType)[keyof typeof GrantType];

export const ClientAuthMethod = {
  ClientSecretBasic: 'client_secret_basic',
  ClientSecretPost: 'client_secret_post',
  None: 'none',
  /** RFC 7523 2.2: a JWT signed with a key from the client's registered jwks or jwks_uri. */
  PrivateKeyJwt: 'private_key_jwt',
} as const;
export type ClientAuthMethod = (typeof ClientAuthMethod)[keyof typeof ClientAuthMethod];

export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = Object.values(ClientAuthMethod);
