import { USER_CODE_ALPHABET, formatUserCode, generateUserCode, normalizeUserCode } from './user-code.js';

describe('user codes (RFC 8628 6.1)', () => {
  it('generates 8 characters of the alphabet without vowels or look-alikes', () => {
    for (let i = 0; i < 200; i++) expect(generateUserCode()).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY01]/);
  });

  it('draws every character of the alphabet', () => {
    const seen = new Set([...Array.from({ length: 100 }, generateUserCode).join('')]);
    expect([...seen].sort().join('')).toBe(USER_CODE_ALPHABET);
  });

  it('shows a code as two groups of four', () => {
    expect(formatUserCode('BDWPHQPK')).toBe('BDWP-HQPK');
  });

  it('normalizes case, dashes and spaces', () => {
    for (const typed of ['BDWP-HQPK', 'bdwp-hqpk', 'BDWPHQPK', 'bdwphqpk', ' bdwp hqpk ', 'Bd-Wp-Hq-Pk'])
      expect(normalizeUserCode(typed)).toBe('BDWPHQPK');
  });

  it('refuses what cannot be a user code', () => {
    for (const typed of [
      '',
      'BDWP-HQP',
      'BDWP-HQPKB',
      'BDWP-HQPA',
      'BDWP_HQPK',
      'BDWP-HQP0',
      'ＢDWP-HQPK',
      'B'.repeat(40),
    ])
      expect(normalizeUserCode(typed)).toBeNull();
  });
});
