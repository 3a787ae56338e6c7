import request from 'supertest';
import { resolveOptions } from './resource-guard.options.js';
import { startGuardedApp } from './testing/guarded-test-app.js';
import { startJwksServer } from './testing/jwks-test-server.js';
import { signAccessToken, TEST_AUDIENCE, TEST_ISSUER, testSigningKey } from './testing/test-tokens.js';

describe('ResourceGuardModule options', () => {
  it('has the documented defaults', () => {
    expect(resolveOptions({ issuer: 'https://as.test', audience: 'https://api.test' })).toMatchObject({
      jwksUri: 'https://as.test/.well-known/jwks.json',
      algorithms: ['ES256', 'EdDSA', 'RS256'],
      clockToleranceSeconds: 5,
      jwksTimeoutMs: 5000,
      jwksCooldownMs: 30000,
      realm: 'api',
    });
  });

  it('keeps defaults for options given as undefined', () => {
    expect(resolveOptions({ issuer: 'https://as.test/', audience: 'a', realm: undefined })).toMatchObject({
      jwksUri: 'https://as.test/.well-known/jwks.json',
      realm: 'api',
    });
  });

  it.each([
    [{ issuer: '', audience: 'a' }, 'ResourceGuardModule needs an issuer and an audience'],
    [{ issuer: 'i', audience: 'a', algorithms: [] }, 'ResourceGuardModule needs at least one algorithm'],
    [{ issuer: 'i', audience: 'a', realm: 'a"b' }, 'the realm must be printable ASCII without " or \\'],
  ])('refuses %j', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
  });

  it('uses the configured realm and algorithms', async () => {
    const key = await testSigningKey('ed', 'EdDSA');
    const jwks = await startJwksServer([key.publicJwk]);
    const options = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUri: jwks.uri };
    const app = await startGuardedApp({ ...options, realm: 'notes', algorithms: ['ES256'] });
    try {
      const res = await request(await app.getUrl())
        .get('/read')
        .auth(await signAccessToken(key), { type: 'bearer' });
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="notes", error="invalid_token", error_description="the signing algorithm is not accepted"',
      );
      expect((await request(await app.getUrl()).get('/read')).headers['www-authenticate']).toBe('Bearer realm="notes"');
    } finally {
      await app.close();
      await jwks.close();
    }
  });
});
