import type { SecurityEventEntity } from '#persistence';
import { buildSecurityEventClaims } from './set-builder.js';

const event: SecurityEventEntity = {
  id: '6f1c1f0e-7a43-4a3c-9d7e-2f1b1c0d9e8a',
  txn: '0b7e4c62-8e0d-4a8c-93a4-1f6f0d2c3b4a',
  client_id: 'notes-app',
  type: 'refresh_token_reuse_detected',
  subject: 'user-1',
  family_ids: ['fam-1'],
  reason: 'replay_detected',
  created_at: 1_765_000_000_500,
  status: 'pending',
  attempts: 0,
  round_attempts: 0,
  next_attempt_at: 1_765_000_000_500,
  claimed_until: null,
  delivered_at: null,
  last_error: null,
};

describe(buildSecurityEventClaims.name, () => {
  it('names the issuer, the client as audience, the row as jti and the change as txn', () => {
    expect(buildSecurityEventClaims('https://as.example', event, 1_765_000_009_999)).toEqual({
      iss: 'https://as.example',
      aud: 'notes-app',
      iat: 1_765_000_009,
      jti: event.id,
      txn: event.txn,
      toe: 1_765_000_000,
      events: {
        'https://as.example/security-events/refresh-token-reuse-detected': {
          subject: 'user-1',
          family_ids: ['fam-1'],
          reason: 'replay_detected',
        },
      },
    });
  });

  it('leaves out what the event does not have (a secret rotation names no subject or family)', () => {
    const claims = buildSecurityEventClaims(
      'https://as.example',
      { ...event, type: 'client_secret_rotated', subject: null, family_ids: [], reason: 'secret_rotated' },
      event.created_at,
    );
    expect(claims.events).toEqual({
      'https://as.example/security-events/client-secret-rotated': { reason: 'secret_rotated' },
    });
  });

  it('carries no token value: only ids, the subject and the reason', () => {
    const text = JSON.stringify(buildSecurityEventClaims('https://as.example', event, event.created_at));
    expect(text).not.toMatch(/asrt_|asac_|secret/);
  });
});
