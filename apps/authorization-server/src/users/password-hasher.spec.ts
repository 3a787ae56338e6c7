import { scryptSync } from 'node:crypto';
import { decoyHash, hashPassword, verifyPassword } from './password-hasher.js';

const FORMAT = /^scrypt\$32768\$8\$1\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

describe('hashPassword', () => {
  it('produces scrypt$32768$8$1$salt$hash with a 16-byte salt and 32-byte key in base64url', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const match = FORMAT.exec(stored);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1], 'base64url')).toHaveLength(16);
    expect(Buffer.from(match![2], 'base64url')).toHaveLength(32);
  });

  it('derives the key with scrypt N=32768, r=8, p=1 over the stored salt', async () => {
    const stored = await hashPassword('hunter22');
    const [, , , , salt, hash] = stored.split('$');
    const expected = scryptSync('hunter22', Buffer.from(salt, 'base64url'), 32, {
      N: 32768,
      r: 8,
      p: 1,
      maxmem: 128 * 1024 * 1024,
    });
    expect(hash).toBe(expected.toString('base64url'));
  });

  it('gives two different hashes (and salts) for the same password', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });
});

describe('verifyPassword', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword('correct horse battery staple');
  });

  it('accepts the right password', async () => {
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
  });

  it('refuses a wrong password', async () => {
    await expect(verifyPassword('correct horse battery stapler', stored)).resolves.toBe(false);
  });

  it('refuses the password in a different case', async () => {
    await expect(verifyPassword('Correct horse battery staple', stored)).resolves.toBe(false);
  });

  it('refuses the empty password', async () => {
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('accepts each of two different hashes of the same password', async () => {
    const other = await hashPassword('correct horse battery staple');
    expect(other).not.toBe(stored);
    await expect(verifyPassword('correct horse battery staple', other)).resolves.toBe(true);
  });

  it('verifies non-ASCII passwords', async () => {
    const unicode = await hashPassword('pässwörd 🔑');
    await expect(verifyPassword('pässwörd 🔑', unicode)).resolves.toBe(true);
    await expect(verifyPassword('passwörd 🔑', unicode)).resolves.toBe(false);
  });

  it('refuses when the stored key has been altered', async () => {
    const parts = stored.split('$');
    const key = Buffer.from(parts[5], 'base64url');
    key[0] ^= 1;
    parts[5] = key.toString('base64url');
    await expect(verifyPassword('correct horse battery staple', parts.join('$'))).resolves.toBe(false);
  });

  it('refuses when the stored salt has been altered', async () => {
    const parts = stored.split('$');
    const salt = Buffer.from(parts[4], 'base64url');
    salt[0] ^= 1;
    parts[4] = salt.toString('base64url');
    await expect(verifyPassword('correct horse battery staple', parts.join('$'))).resolves.toBe(false);
  });

  it.each([
    ['the empty string', ''],
    ['plain text', 'not a hash'],
    ['a bcrypt hash', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
    ['another scheme', 'argon2$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['the scheme alone', 'scrypt'],
    ['a truncated hash string', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA'],
    ['an empty key', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA$'],
    ['empty r and p fields', 'scrypt$32768$$$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA'],
  ])('returns false for a stored string that is %s', async (_label, garbage) => {
    await expect(verifyPassword('anything', garbage)).resolves.toBe(false);
  });

  // Regression: a stored key that decodes to 0 bytes would make scrypt derive a 0-byte key, and
  // timingSafeEqual of two empty buffers is true: any password would pass.
  it.each([
    ['"!!!"', '!!!'],
    ['"="', '='],
    ['a single base64url character', 'A'],
  ])('refuses any password when the stored key decodes to zero bytes (%s)', async (_label, key) => {
    await expect(verifyPassword('anything', `scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA$${key}`)).resolves.toBe(false);
  });

  // Regression: bad scrypt parameters must give false, not a thrown ERR_OUT_OF_RANGE (a 500 at login).
  it.each([
    ['a non-numeric N', 'scrypt$abc$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA'],
    ['an N that is not a power of two', 'scrypt$3$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA'],
  ])('returns false rather than throwing for a stored string with %s', async (_label, garbage) => {
    await expect(verifyPassword('anything', garbage)).resolves.toBe(false);
  });
});

describe('decoyHash', () => {
  it('is a well-formed scrypt hash that the empty password does not match', async () => {
    const decoy = await decoyHash();
    expect(decoy).toMatch(FORMAT);
    await expect(verifyPassword('', decoy)).resolves.toBe(false);
  });

  it('is computed once and reused', async () => {
    expect(await decoyHash()).toBe(await decoyHash());
  });
});
