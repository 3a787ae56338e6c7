import type { RefreshTokenWithFamily } from './refresh-token.repository.js';
import {
  ROTATION_CONDITIONS,
  type RotationRefusal,
  SUPERSEDED,
  isRotatable,
  rotatableSql,
  rotationRefusal,
  rowRotatableSql,
} from './rotation-rule.js';

const NOW = 1_800_000_000_000;
const CLIENT = 'client-a';

/** A token every condition holds for. */
function rotatable(): RefreshTokenWithFamily {
  return {
    id: 'token',
    family_id: 'family',
    parent_id: null,
    scope: 'read',
    issued_at: NOW - 1000,
    expires_at: NOW + 1000,
    used_at: null,
    revoked_at: null,
    revoked_reason: null,
    family_client_id: CLIENT,
    family_subject: 'user',
    family_scope: 'read',
    family_expires_at: NOW + 2000,
    family_revoked_at: null,
    user_active: true,
  };
}

/** One case per condition: the token with only that condition failing, and the refusal it gets. */
const FLIPS: { condition: string; change: Partial<RefreshTokenWithFamily>; refusal: RotationRefusal }[] = [
  { condition: 'bound to the presenting client', change: { family_client_id: 'client-b' }, refusal: 'unknown' },
  { condition: 'family not revoked', change: { family_revoked_at: NOW - 1 }, refusal: 'revoked' },
  { condition: 'token not revoked', change: { revoked_at: NOW - 1, revoked_reason: 'admin' }, refusal: 'revoked' },
  { condition: "user enabled at the family's token epoch", change: { user_active: false }, refusal: 'user_changed' },
  { condition: 'idle expiry not reached', change: { expires_at: NOW }, refusal: 'expired' },
  { condition: 'family absolute expiry not reached', change: { family_expires_at: NOW }, refusal: 'expired' },
  { condition: 'not used', change: { used_at: NOW - 1 }, refusal: 'used' },
];

describe('rotation rule', () => {
  it('lets a token every condition holds for be rotated', () => {
    expect(rotationRefusal(rotatable(), CLIENT, NOW)).toBeNull();
    expect(isRotatable(rotatable(), CLIENT, NOW)).toBe(true);
  });

  it('has one case here for each condition it declares', () => {
    expect(FLIPS.map((f) => f.condition)).toEqual(ROTATION_CONDITIONS.map((c) => c.name));
  });

  it.each(FLIPS)('refuses a token failing "$condition" ($refusal)', ({ change, refusal }) => {
    const token = { ...rotatable(), ...change };
    expect(rotationRefusal(token, CLIENT, NOW)).toBe(refusal);
    expect(isRotatable(token, CLIENT, NOW)).toBe(false);
  });

  it('refuses an unknown token', () => {
    expect(rotationRefusal(null, CLIENT, NOW)).toBe('unknown');
  });

  it('calls a token a retry replaced a replay, unless its family is revoked', () => {
    const superseded = { ...rotatable(), revoked_at: NOW - 1, revoked_reason: SUPERSEDED };
    expect(rotationRefusal(superseded, CLIENT, NOW)).toBe('replayed');
    expect(rotationRefusal({ ...superseded, family_revoked_at: NOW - 1 }, CLIENT, NOW)).toBe('revoked');
  });

  it('reports the first failing condition: another client before revocation, revocation before use', () => {
    const revokedUsed = { ...rotatable(), revoked_at: NOW - 1, used_at: NOW - 2 };
    expect(rotationRefusal(revokedUsed, CLIENT, NOW)).toBe('revoked');
    expect(rotationRefusal(revokedUsed, 'client-b', NOW)).toBe('unknown');
  });

  it('writes every condition into the SQL predicate, the mutable ones on the updated row', () => {
    const sql = rotatableSql({ read: 'p', row: 't', clientId: '$3', now: '$2::bigint' });
    expect(sql.split(' AND ')).toEqual([
      'p.family_client_id = $3',
      'p.family_revoked_at IS NULL',
      't.revoked_at IS NULL',
      'p.user_active',
      'p.expires_at > $2::bigint',
      'p.family_expires_at > $2::bigint',
      't.used_at IS NULL',
    ]);
    expect(rowRotatableSql('refresh_token')).toBe('refresh_token.revoked_at IS NULL AND refresh_token.used_at IS NULL');
  });
});
