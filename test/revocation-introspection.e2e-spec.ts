import request from 'supertest';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

describe('POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662)', () => {
  let t: TestApp;
  let client: { client_id: string; client_secret?: string };
  let other: { client_id: string; client_secret?: string };
  let resourceServer: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    t = await startTestApp();
    client = await t.createClient({
      grant_types: ['password', 'refresh_token', 'client_credentials'],
      scope: 'read write',
    });
    other = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    resourceServer = await t.createClient({
      grant_types: ['client_credentials'],
      scope: '',
      introspection_allowed: true,
    });
    await t.createUser('frank', 'frank-password-1');
  });
  afterAll(() => t.close());

  async function grant(owner = client) {
    const res = await t.token(
      { grant_type: 'password', username: 'frank', password: 'frank-password-1', scope: 'read' },
      basic(owner),
    );
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string };
  }

  const revoke = (form: Record<string, string>, owner = client) =>
    request(t.http).post('/oauth/revoke').type('form').auth(owner.client_id, owner.client_secret!).send(form);

  const introspect = (
    token: string,
    caller: { id: string; secret: string } | string = basic(resourceServer),
    hint?: string,
  ) => {
    const req = request(t.http).post('/oauth/introspect').type('form');
    if (typeof caller === 'string') req.set('authorization', `Bearer ${caller}`);
    else req.auth(caller.id, caller.secret);
    return req.send(hint ? { token, token_type_hint: hint } : { token });
  };

  describe('revocation', () => {
    it('revokes the refresh token family: the next refresh fails and introspection turns inactive at once', async () => {
      const { access_token, refresh_token } = await grant();
      expect((await introspect(access_token)).body.active).toBe(true);
      const res = await revoke({ token: refresh_token, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(res.text).toBe('');
      const again = await t.token({ grant_type: 'refresh_token', refresh_token }, basic(client));
      expect(again.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token has been revoked' });
      expect((await introspect(access_token)).body).toEqual({ active: false });
      expect((await introspect(refresh_token)).body).toEqual({ active: false });
    });

    it('revokes the family of an access token that came with a refresh token', async () => {
      const { access_token, refresh_token } = await grant();
      expect((await revoke({ token: access_token })).status).toBe(200);
      expect((await t.token({ grant_type: 'refresh_token', refresh_token }, basic(client))).body.error).toBe(
        'invalid_grant',
      );
    });

    it('does not trust a wrong token_type_hint', async () => {
      const { refresh_token } = await grant();
      expect((await revoke({ token: refresh_token, token_type_hint: 'access_token' })).status).toBe(200);
      expect((await t.token({ grant_type: 'refresh_token', refresh_token }, basic(client))).body.error).toBe(
        'invalid_grant',
      );
    });

    it('ignores, with 200, a token of another client and leaves it working', async () => {
      const { refresh_token } = await grant(other);
      const res = await revoke({ token: refresh_token });
      expect(res.status).toBe(200);
      expect((await t.token({ grant_type: 'refresh_token', refresh_token }, basic(other))).status).toBe(200);
    });

    it('answers 200 for an unknown or garbage token', async () => {
      expect((await revoke({ token: 'asrt_' + 'Z'.repeat(43) })).status).toBe(200);
      expect((await revoke({ token: 'garbage' })).status).toBe(200);
    });

    it('answers unsupported_token_type for an access token outside any family', async () => {
      const cc = await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client));
      const res = await revoke({ token: cc.body.access_token });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unsupported_token_type');
    });

    it('requires client authentication and the token parameter', async () => {
      const anonymous = await request(t.http).post('/oauth/revoke').type('form').send({ token: 'x' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');
      const missing = await revoke({});
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'token is required' });
    });
  });

  describe('introspection', () => {
    it('describes an active refresh token', async () => {
      const { refresh_token } = await grant();
      const res = await introspect(refresh_token);
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(res.body).toMatchObject({
        active: true,
        token_type: 'refresh_token',
        client_id: client.client_id,
        scope: 'read',
        iss: 'http://issuer.test',
        sub: expect.any(String),
        exp: expect.any(Number),
        iat: expect.any(Number),
        sid: expect.any(String),
      });
    });

    it('describes an active access token', async () => {
      const { access_token } = await grant();
      const res = await introspect(access_token, undefined, 'access_token');
      expect(res.body).toMatchObject({
        active: true,
        token_type: 'Bearer',
        client_id: client.client_id,
        scope: 'read',
        aud: 'http://issuer.test',
      });
    });

    it('reports a rotated refresh token inactive and its successor active', async () => {
      const { refresh_token } = await grant();
      const next = await t.token({ grant_type: 'refresh_token', refresh_token }, basic(client));
      expect((await introspect(refresh_token)).body).toEqual({ active: false });
      expect((await introspect(next.body.refresh_token)).body.active).toBe(true);
    });

    it('reports expired tokens inactive', async () => {
      const { access_token } = await grant();
      t.clock.advance(901);
      expect((await introspect(access_token)).body).toEqual({ active: false });
    });

    it('answers {"active": false} for unknown tokens', async () => {
      expect((await introspect('asrt_' + 'Q'.repeat(43))).body).toEqual({ active: false });
      expect((await introspect('not.a.jwt')).body).toEqual({ active: false });
    });

    it('accepts a Bearer access token with the admin scope', async () => {
      const { refresh_token } = await grant();
      const res = await introspect(refresh_token, await t.adminToken());
      expect(res.body.active).toBe(true);
    });

    it('refuses a client not allowed to introspect with 403', async () => {
      const { refresh_token } = await grant();
      const res = await introspect(refresh_token, basic(other));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: 'unauthorized_client',
        error_description: 'the client may not introspect tokens',
      });
    });

    it('refuses a client_credentials bearer token without an admin scope with 403 insufficient_scope', async () => {
      const own = await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client));
      const res = await introspect(own.body.access_token, own.body.access_token);
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    });

    it("refuses a user's access token as the bearer with 401 invalid_token: only a client's own token may introspect", async () => {
      const { access_token } = await grant();
      const res = await introspect(access_token, access_token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('refuses an invalid bearer token with 401 invalid_token', async () => {
      const res = await introspect('x', 'not-a-token');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.body.error).toBe('invalid_token');
    });

    it('answers malformed Bearer credentials with 400 invalid_request, not as client authentication (RFC 6750 3.1)', async () => {
      const description = 'the Authorization header must be Bearer followed by exactly one token';
      const res = await request(t.http)
        .post('/oauth/introspect')
        .type('form')
        .set('authorization', 'Bearer')
        .send({ token: 'x' });
      expect(res.status).toBe(400);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="introspection", error="invalid_request", error_description="${description}"`,
      );
      expect(res.body).toEqual({ error: 'invalid_request', error_description: description });
    });

    it('refuses an access token in the body as well as in the header with 400 invalid_request (RFC 6750 2)', async () => {
      const admin = await t.adminToken();
      const res = await request(t.http)
        .post('/oauth/introspect')
        .type('form')
        .set('authorization', `Bearer ${admin}`)
        .send({ token: 'x', access_token: admin });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'an access token in the body as well' });
    });

    it('names the realm and the scope in the challenge of a bearer without an admin scope', async () => {
      const own = await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client));
      const res = await introspect('x', own.body.access_token);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="introspection", error="insufficient_scope", scope="admin"',
      );
      expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'an admin scope is required' });
    });

    it('refuses an unauthenticated caller with 401', async () => {
      const res = await request(t.http).post('/oauth/introspect').type('form').send({ token: 'x' });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });
  });
});
