import type { FamilyLineage, LineageToken } from '#persistence';
import { familyDto } from './admin-refresh-tokens.service.js';
import { familyUrl } from './refresh-token-family.dto.js';

const T0 = Date.UTC(2030, 0, 1);
const SECOND = 1000;
const RIGHTFUL = { address: '203.0.113.7', user_agent: 'RightfulApp/1.0' };
const THIEF = { address: '198.51.100.23', user_agent: 'curl/8.5.0' };

function token(
  id: string,
  parent: string | null,
  at: number,
  used?: { at: number; from: typeof RIGHTFUL },
): LineageToken {
  return {
    id,
    parent_id: parent,
    issued_at: at,
    expires_at: at + 3600 * SECOND,
    used_at: used?.at ?? null,
    revoked_at: T0 + 9 * SECOND,
    revoked_reason: 'replay_detected',
    status: 'revoked',
    used_from: used?.from ?? null,
  };
}

function lineage(tokens: LineageToken[], replay: FamilyLineage['replay']): FamilyLineage {
  return {
    id: 'f',
    client_id: 'app',
    subject: 'user-1',
    scope: 'read',
    created_at: T0,
    expires_at: T0 + 86_400 * SECOND,
    status: 'revoked',
    revoked_at: T0 + 9 * SECOND,
    revoked_reason: 'replay_detected',
    dpop_jkt: null,
    replay,
    tokens,
  };
}

describe(familyDto.name, () => {
  const chain = [
    token('a', null, T0, { at: T0 + SECOND, from: RIGHTFUL }),
    // A child of `a` a retry superseded (never used), then the one that was used.
    token('b0', 'a', T0 + SECOND),
    token('b', 'a', T0 + SECOND, { at: T0 + 2 * SECOND, from: RIGHTFUL }),
    token('c', 'b', T0 + 2 * SECOND),
  ];

  it('answers the family and its tokens in the order read, instants as ISO 8601', () => {
    const dto = familyDto(lineage(chain, null));
    expect(dto).toMatchObject({
      family_id: 'f',
      created_at: new Date(T0).toISOString(),
      revoked_at: new Date(T0 + 9 * SECOND).toISOString(),
      replay: null,
    });
    expect(dto.tokens.map((t) => t.id)).toEqual(['a', 'b0', 'b', 'c']);
    expect(dto.tokens[0]).toEqual({
      id: 'a',
      parent_id: null,
      issued_at: new Date(T0).toISOString(),
      expires_at: new Date(T0 + 3600 * SECOND).toISOString(),
      used_at: new Date(T0 + SECOND).toISOString(),
      revoked_at: new Date(T0 + 9 * SECOND).toISOString(),
      revoked_reason: 'replay_detected',
      status: 'revoked',
      used_from: RIGHTFUL,
    });
  });

  it("sets a replay beside its rightful successor: the replayed token's child that was used", () => {
    const dto = familyDto(lineage(chain, { token_id: 'a', presented_at: T0 + 9 * SECOND, from: THIEF }));
    expect(dto.replay).toEqual({
      token_id: 'a',
      presented_at: new Date(T0 + 9 * SECOND).toISOString(),
      address: THIEF.address,
      user_agent: THIEF.user_agent,
      successor: {
        id: 'b',
        used_at: new Date(T0 + 2 * SECOND).toISOString(),
        address: RIGHTFUL.address,
        user_agent: RIGHTFUL.user_agent,
      },
    });
  });

  it('has no successor when no child of the replayed token was used, or when a code was replayed', () => {
    const replayOfB = familyDto(lineage(chain, { token_id: 'b0', presented_at: T0, from: THIEF }));
    expect(replayOfB.replay?.successor).toBeNull();
    const code = familyDto(lineage(chain, { token_id: null, presented_at: T0, from: THIEF }));
    expect(code.replay).toMatchObject({ token_id: null, address: THIEF.address, successor: null });
  });

  it('shows a successor used before its origin was kept with unknown address and agent', () => {
    const old = [token('a', null, T0, { at: T0 + SECOND, from: RIGHTFUL }), { ...chain[2], used_from: null }];
    const dto = familyDto(lineage(old, { token_id: 'a', presented_at: T0, from: THIEF }));
    expect(dto.replay?.successor).toEqual({
      id: 'b',
      used_at: new Date(T0 + 2 * SECOND).toISOString(),
      address: null,
      user_agent: null,
    });
  });
});

describe(familyUrl.name, () => {
  it('is the path of the lineage route', () => {
    expect(familyUrl('0193a3f2-7c1e-7b2a-9d4e-5f6a7b8c9d0e')).toBe(
      '/admin/refresh-token-families/0193a3f2-7c1e-7b2a-9d4e-5f6a7b8c9d0e',
    );
  });
});
