import { createHash } from 'node:crypto';
import { SecretPrefix, hasSecretShape, hashSecret, mintSecret, secretMatchesHash } from './opaque-secrets.js';

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const prefixes = Object.values(SecretPrefix);

describe('SecretPrefix', () => {
  it('has a distinct recognisable prefix for each kind of secret', () => {
    expect(SecretPrefix).toEqual({ RefreshToken: 'asrt_', ClientSecret: 'ascs_', AuthorizationCode: 'asac_' });
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
