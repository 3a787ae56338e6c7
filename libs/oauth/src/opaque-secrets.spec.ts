import { createHash } from 'node:crypto';
import {
  SecretPrefix,
  hasSecretShape,
  hashSecret,
  mintRefreshToken,
  mintSecret,
  refreshTokenKey,
  secretMatchesHash,
} from './opaque-secrets.js';
import { timeOrderedId } from './time-ordered-id.js';

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const prefixes = Object.values(SecretPrefix);

describe('SecretPrefix', () => {
  it('has a distinct recognisable prefix for each kind of secret', () => {
    expect(SecretPrefix).toEqual({
      RefreshToken: 'asrt_',
      ClientSecret: 'ascs_',
      AuthorizationCode: 'asac_',
      DeviceCode: 'asdc_',
    });
  });
});

describe('mintSecret', () => {
  it.each(prefixes)('starts the value with the prefix %s', (prefix) => {
    expect(mintSecret(prefix).value.startsWith(prefix)).toBe(true);
  });

  it.each(prefixes)('follows the prefix %s with 43 base64url characters (256 bits)', (prefix) => {
    const { value } = mintSecret(prefix);
    const body = value.slice(prefix.length);
    expect(value).toHaveLength(prefix.length + 43);
    expect(body).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(body, 'base64url')).toHaveLength(32);
    expect(Buffer.from(body, 'base64url').toString('base64url')).toBe(body);
  });

  it('hashes the value as lowercase SHA-256 hex', () => {
    const { value, hash } = mintSecret(SecretPrefix.RefreshToken);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(sha256Hex(value));
  });

  it('mints a different value (and hash) every time', () => {
    const minted = Array.from({ length: 200 }, () => mintSecret(SecretPrefix.ClientSecret));
    expect(new Set(minted.map((m) => m.value)).size).toBe(200);
    expect(new Set(minted.map((m) => m.hash)).size).toBe(200);
  });

  it('mints values that have the shape of their own prefix', () => {
    for (const prefix of prefixes) expect(hasSecretShape(mintSecret(prefix).value, prefix)).toBe(true);
  });

  it('mints values that match their own hash', () => {
    const { value, hash } = mintSecret(SecretPrefix.AuthorizationCode);
    expect(secretMatchesHash(value, hash)).toBe(true);
  });
});

describe('hashSecret', () => {
  it('is the SHA-256 hex digest of the UTF-8 value', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashSecret('é')).toBe(sha256Hex('é'));
  });
});

describe('hasSecretShape', () => {
  const body = 'A'.repeat(21) + '-_' + 'z9'.repeat(10); // 43 base64url characters

  it('accepts a prefix followed by 43 base64url characters', () => {
    expect(body).toHaveLength(43);
    expect(hasSecretShape(SecretPrefix.RefreshToken + body, SecretPrefix.RefreshToken)).toBe(true);
  });

  it('refuses a value minted with a different prefix', () => {
    const { value } = mintSecret(SecretPrefix.ClientSecret);
    expect(hasSecretShape(value, SecretPrefix.RefreshToken)).toBe(false);
  });

  it('refuses a body one character short', () => {
    expect(hasSecretShape(SecretPrefix.RefreshToken + body.slice(1), SecretPrefix.RefreshToken)).toBe(false);
  });

  it('refuses a body one character long', () => {
    expect(hasSecretShape(SecretPrefix.RefreshToken + body + 'A', SecretPrefix.RefreshToken)).toBe(false);
  });

  it.each([
    ['standard base64 "+"', '+'],
    ['standard base64 "/"', '/'],
    ['padding "="', '='],
    ['a space', ' '],
    ['a non-ASCII letter', 'é'],
  ])('refuses a body containing %s', (_label, char) => {
    const bad = char + body.slice(1);
    expect(bad).toHaveLength(43);
    expect(hasSecretShape(SecretPrefix.RefreshToken + bad, SecretPrefix.RefreshToken)).toBe(false);
  });

  it('refuses the bare prefix and the empty string', () => {
    expect(hasSecretShape(SecretPrefix.RefreshToken, SecretPrefix.RefreshToken)).toBe(false);
    expect(hasSecretShape('', SecretPrefix.RefreshToken)).toBe(false);
  });

  it('refuses a prefix in the wrong case', () => {
    expect(hasSecretShape('ASRT_' + body, SecretPrefix.RefreshToken)).toBe(false);
  });

  it('refuses a 48-character value that does not start with the prefix', () => {
    expect(hasSecretShape('xxxx_' + body, SecretPrefix.RefreshToken)).toBe(false);
  });
});

describe('secretMatchesHash', () => {
  const { value, hash } = mintSecret(SecretPrefix.RefreshToken);

  it('is true for the secret whose hash is stored', () => {
    expect(secretMatchesHash(value, hash)).toBe(true);
  });

  it('is true when the stored hash is in uppercase hex', () => {
    expect(secretMatchesHash(value, hash.toUpperCase())).toBe(true);
  });

  it('is false for a different secret', () => {
    expect(secretMatchesHash(mintSecret(SecretPrefix.RefreshToken).value, hash)).toBe(false);
  });

  it('is false for a secret differing in its last character', () => {
    const last = value.at(-1) === 'A' ? 'B' : 'A';
    expect(secretMatchesHash(value.slice(0, -1) + last, hash)).toBe(false);
  });

  it('is false for the empty presented secret', () => {
    expect(secretMatchesHash('', hash)).toBe(false);
  });

  it('is false when no hash is stored (null)', () => {
    expect(secretMatchesHash(value, null)).toBe(false);
  });

  it('is false when no hash is stored (undefined)', () => {
    expect(secretMatchesHash(value, undefined)).toBe(false);
  });

  it('is false for the empty stored hash, even for the empty presented secret', () => {
    expect(secretMatchesHash(value, '')).toBe(false);
    expect(secretMatchesHash('', '')).toBe(false);
  });

  it('is false when the stored hash is too short', () => {
    expect(secretMatchesHash(value, hash.slice(0, 62))).toBe(false);
  });

  it('is false when the stored hash is too long', () => {
    expect(secretMatchesHash(value, hash + '00')).toBe(false);
  });

  it('is false when the stored hash is the raw value rather than its hash', () => {
    expect(secretMatchesHash(value, value)).toBe(false);
  });

  it('is false when the stored hash is not hex', () => {
    expect(secretMatchesHash(value, 'z'.repeat(64))).toBe(false);
  });

  // Regression: Buffer.from(hex) drops a trailing odd or non-hex character; such a stored value must not match.
  it('is false when the stored hash has one extra hex character', () => {
    expect(secretMatchesHash(value, hash + 'f')).toBe(false);
  });

  it('is false when the stored hash has trailing non-hex characters', () => {
    expect(secretMatchesHash(value, hash + 'zz')).toBe(false);
  });
});

describe('mintRefreshToken and refreshTokenKey', () => {
  const id = timeOrderedId(Date.UTC(2026, 10, 26));

  it('writes asrt_, the 16 bytes of the row id (22 base64url characters), then 256 random bits', () => {
    const { value, hash } = mintRefreshToken(id);
    expect(value).toMatch(/^asrt_[A-Za-z0-9_-]{65}$/);
    expect(Buffer.from(value.slice(5, 27), 'base64url').toString('hex')).toBe(id.replace(/-/g, ''));
    expect(Buffer.from(value.slice(27), 'base64url')).toHaveLength(32);
    expect(hash).toBe(sha256Hex(value));
  });

  it('mints a different value for the same id every time', () => {
    const values = Array.from({ length: 100 }, () => mintRefreshToken(id).value);
    expect(new Set(values).size).toBe(100);
    expect(new Set(values.map((v) => v.slice(0, 27))).size).toBe(1);
  });

  it('keys a minted token by its row id and the hash of the whole value', () => {
    const { value, hash } = mintRefreshToken(id);
    expect(refreshTokenKey(value)).toEqual({ id, hash });
  });

  it('keys a token minted before ids were embedded (asrt_ + 43) by its hash alone', () => {
    const { value, hash } = mintSecret(SecretPrefix.RefreshToken);
    expect(refreshTokenKey(value)).toEqual({ legacy: true, hash });
  });

  it('keys nothing that is not a refresh token of either shape', () => {
    const { value } = mintRefreshToken(id);
    const idPart = value.slice(5, 27);
    const secret = value.slice(27);
    // 22 characters hold 132 bits: the last one must leave its 4 spare bits zero (A, Q, g or w)
    const nonCanonical = idPart.slice(0, 21) + 'B';
    for (const bad of [
      '',
      'asrt_',
      value.slice(0, -1),
      value + 'A',
      'ascs_' + value.slice(5),
      'ASRT_' + value.slice(5),
      `asrt_${idPart}${secret.slice(0, 42)}=`,
      `asrt_${idPart.slice(0, 21)}+${secret}`,
      `asrt_${nonCanonical}${secret}`,
      mintSecret(SecretPrefix.ClientSecret).value,
    ]) {
      expect(refreshTokenKey(bad)).toBeNull();
    }
  });

  it('accepts each of the four canonical last characters of the id part', () => {
    for (const [last, lastByte] of [
      ['A', '00'],
      ['Q', '01'],
      ['g', '02'],
      ['w', '03'],
    ]) {
      const key = refreshTokenKey(`asrt_${'A'.repeat(21)}${last}${'B'.repeat(43)}`);
      expect(key).toEqual({ id: `00000000-0000-0000-0000-0000000000${lastByte}`, hash: expect.any(String) });
    }
  });
});
