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
    family_dpop_jkt: null,
  };
}

/** One case per condition: the token with only that condition failing, and the refusal it gets. */
const FLIPS: { condition: string; change: Partial<RefreshTokenWithFamily>; refusal: RotationRefusal }[] = [
  { condition: 'bound to the presenting client', change: { family_client_id: 'client-b' }, refusal: 'unknown' },
  {
    condition: "bound to the family's DPoP key, if any",
    change: { family_dpop_jkt: 'key-a' },
    refusal: 'dpop_key_mismatch',
  },
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

  it("rotates a DPoP-bound family's token only with a proof of its key; an unbound family ignores the key", () => {
    const bound = { ...rotatable(), family_dpop_jkt: 'key-a' };
    expect(rotationRefusal(bound, CLIENT, NOW, 'key-a')).toBeNull();
    expect(isRotatable(bound, CLIENT, NOW, 'key-a')).toBe(true);
    expect(rotationRefusal(bound, CLIENT, NOW, 'key-b')).toBe('dpop_key_mismatch');
    expect(rotationRefusal(bound, CLIENT, NOW, null)).toBe('dpop_key_mismatch');
    expect(isRotatable(bound, CLIENT, NOW)).toBe(false);
    expect(rotationRefusal(rotatable(), CLIENT, NOW, 'key-b')).toBeNull();
    expect(isRotatable({ ...rotatable(), family_dpop_jkt: null }, CLIENT, NOW, 'key-b')).toBe(true);
  });

  it('refuses a token without its DPoP key before telling whether it was used, so a used one is no replay', () => {
    const usedBound = { ...rotatable(), family_dpop_jkt: 'key-a', used_at: NOW - 1 };
    expect(rotationRefusal(usedBound, CLIENT, NOW, 'key-b')).toBe('dpop_key_mismatch');
    expect(rotationRefusal(usedBound, CLIENT, NOW, 'key-a')).toBe('used');
  });

  it('writes every condition into the SQL predicate, the mutable ones on the updated row', () => {
    const sql = rotatableSql({ read: 'p', row: 't', clientId: '$3', now: '$2::bigint', jkt: '$7' });
    expect(sql.split(' AND ')).toEqual([
      'p.family_client_id = $3',
      '(p.family_dpop_jkt IS NULL OR p.family_dpop_jkt = $7)',
      'p.family_revoked_at IS NULL',
      't.revoked_at IS NULL',
      'p.user_active',
      'p.expires_at > $2::bigint',
      'p.family_expires_at > $2::bigint',
      't.used_at IS NULL',
    ]);
    expect(rotatableSql({ read: 'p', row: 't', clientId: '$3', now: '$2' })).toContain('p.family_dpop_jkt = NULL)');
    expect(rowRotatableSql('refresh_token')).toBe('refresh_token.revoked_at IS NULL AND refresh_token.used_at IS NULL');
  });
});
