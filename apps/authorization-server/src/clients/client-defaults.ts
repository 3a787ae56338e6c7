/** Safe defaults of the per-client token policy (seconds). */
export const CLIENT_POLICY_DEFAULTS = {
  refresh_token_rotation: true,
  refresh_token_reuse_interval: 0,
  refresh_token_absolute_lifetime: 30 * 24 * 3600,
  refresh_token_idle_lifetime: 14 * 24 * 3600,
  access_token_lifetime: 900,
} as const;
