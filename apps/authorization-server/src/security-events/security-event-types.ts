import { RevocationReason } from '#persistence';

/** The events this server emits, by the short name the outbox stores (and the metrics' `type` label). */
export const SecurityEventType = {
  /** A rotated refresh token or a redeemed authorization code presented again: the family is revoked. */
  ReuseDetected: 'refresh_token_reuse_detected',
  /** An administrator revoked the family (one family, or in bulk). */
  FamilyRevoked: 'refresh_token_family_revoked',
  UserDisabled: 'user_disabled',
  UserDeleted: 'user_deleted',
  PasswordChanged: 'user_password_changed',
  SecretRotated: 'client_secret_rotated',
} as const;

export type SecurityEventTypeName = (typeof SecurityEventType)[keyof typeof SecurityEventType];

export const SECURITY_EVENT_TYPES: readonly SecurityEventTypeName[] = Object.values(SecurityEventType);

/**
 * RFC 8417 2.2: each event is named by a URI. Ours live under the issuer, which this server controls:
 * `{issuer}/security-events/<type with dashes>`, e.g. `https://as.example/security-events/refresh-token-reuse-detected`.
 */
export function eventUri(issuer: string, type: string): string {
  return `${issuer}/security-events/${type.replaceAll('_', '-')}`;
}

/**
 * The event a revocation emits, by its reason. A client's own RFC 7009 request and a client's deletion
 * emit none: the client asked, or is gone.
 */
export const EVENT_OF_REVOCATION: Readonly<Partial<Record<string, SecurityEventTypeName>>> = {
  [RevocationReason.Replay]: SecurityEventType.ReuseDetected,
  [RevocationReason.CodeReplay]: SecurityEventType.ReuseDetected,
  [RevocationReason.Admin]: SecurityEventType.FamilyRevoked,
  [RevocationReason.UserDisabled]: SecurityEventType.UserDisabled,
  [RevocationReason.UserDeleted]: SecurityEventType.UserDeleted,
  [RevocationReason.PasswordChanged]: SecurityEventType.PasswordChanged,
};
