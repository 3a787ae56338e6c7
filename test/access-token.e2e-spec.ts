import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { type TestApp, ISSUER, basic, startTestApp } from './support/test-app.js';

describe('access tokens (RFC 9068), JWKS and metadata (RFC 8414)', () => {
  let t: TestApp;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    t = await startTestApp();
    client = await t.createClient({
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      scope: 'read write',
      access_token_lifetime: 300,
    });
    await t.createUser('dana', 'dana-password-1');
  });
  afterAll(() => t.close());

  async function jwks() {
    const res = await request(t.http).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    return res.body;
  }

  it('signs a JWT access token that verifies against the JWKS with jose', async () => {
    const res = await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client));
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, createLocalJWKSet(await jwks()), {
      issuer: ISSUER,
      audience: ISSUER,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: ISSUER,
      sub: client.client_id,
      client_id: client.client_id,
      scope: 'read',
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every access token its own jti', async () => {
    const a = await t.token({ grant_type: 'client_credentials' }, basic(client));
    const b = await t.token({ grant_type: 'client_credentials' }, basic(client));
    const jti = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).jti;
    expect(jti(a.body.access_token)).not.toBe(jti(b.body.access_token));
  });

  it('publishes only public key material in the JWKS', async () => {
    const { keys } = await jwks();
    // The active key and the next one, published ahead of its use.
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
      expect(key.d).toBeUndefined();
    }
  });

  it('uses the time of the injectable clock for iat and exp', async () => {
    t.clock.advance(3600);
    const res = await t.token({ grant_type: 'client_credentials' }, basic(client));
    const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString());
    expect(Math.abs(claims.iat - (Date.now() / 1000 + 3600))).toBeLessThan(5);
  });

  it('serves metadata listing exactly what the server supports', async () => {
    const res = await request(t.http).get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      device_authorization_endpoint: `${ISSUER}/oauth/device_authorization`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: [
        'authorization_code',
        'client_credentials',
        'password',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'none',
        'private_key_jwt',
      ],
      revocation_endpoint_auth_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      introspection_endpoint_auth_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    });
  });

  it('keeps signing with the same stored key after a restart on the same database', async () => {
    const before = await t.token({ grant_type: 'client_credentials' }, basic(client));
    const kid = decodeProtectedHeader(before.body.access_token).kid;
    const published = (await jwks()).keys.map((k: { kid: string }) => k.kid);
    expect(published).toContain(kid);
    const second = await (await import('./support/test-app.js')).startTestApp({ database: t.database });
    try {
      const after = await second.token({ grant_type: 'client_credentials' }, basic(client));
      expect(after.status).toBe(200);
      expect(decodeProtectedHeader(after.body.access_token).kid).toBe(kid);
      const { keys } = (await request(second.http).get('/.well-known/jwks.json')).body;
      expect(keys.map((k: { kid: string }) => k.kid)).toEqual(published);
    } finally {
      await second.close();
    }
  });
});
