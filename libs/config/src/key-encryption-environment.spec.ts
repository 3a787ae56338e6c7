import { randomBytes } from 'node:crypto';
import { validateEnvironment } from './environment.js';

describe('KEY_ENCRYPTION_KEY and the signing-key variables', () => {
  const kek = () => randomBytes(32).toString('base64url');

  it('accepts 32 random bytes in base64url, and the signing-key defaults', () => {
    const env = validateEnvironment({ KEY_ENCRYPTION_KEY: kek(), KEY_ENCRYPTION_KEY_PREVIOUS: kek() });
    expect(env.SIGNING_KEY_PUBLISH_AHEAD).toBe(3600);
    expect(env.SIGNING_KEY_ROTATION_INTERVAL).toBe(0);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64url')],
    ['too long', randomBytes(33).toString('base64url')],
    ['padded base64', randomBytes(32).toString('base64')],
    ['hex', randomBytes(32).toString('hex')],
  ])('refuses a key that is %s', (_, value) => {
    expect(() => validateEnvironment({ KEY_ENCRYPTION_KEY: value })).toThrow(
      'KEY_ENCRYPTION_KEY must be 32 random bytes, base64url (43 characters)',
    );
  });

  it('refuses KEY_ENCRYPTION_KEY_PREVIOUS alone', () => {
    expect(() => validateEnvironment({ KEY_ENCRYPTION_KEY_PREVIOUS: kek() })).toThrow(
      'KEY_ENCRYPTION_KEY_PREVIOUS needs KEY_ENCRYPTION_KEY (the key to re-encrypt the signing keys with)',
    );
  });

  it('refuses a negative publish-ahead time', () => {
    expect(() => validateEnvironment({ SIGNING_KEY_PUBLISH_AHEAD: '-1' })).toThrow('SIGNING_KEY_PUBLISH_AHEAD');
  });
});
