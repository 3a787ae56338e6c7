import request from 'supertest';
import { DataSource } from 'typeorm';
import { type TestApp, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, basic, startTestApp } from './support/test-app.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('POST /oauth/token: client authentication and request hygiene', () => {
  let t: TestApp;
  let confidential: { client_id: string; client_secret?: string };
  let postClient: { client_id: string; client_secret?: string };
  let publicClient: { client_id: string };

  beforeAll(async () => {
    t = await startTestApp();
    confidential = await t.createClient({ grant_types: ['client_credentials'], scope: 'read write' });
    postClient = await t.createClient({
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'client_secret_post',
    });
    publicClient = await t.createClient({
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://app.example/cb'],
    });
    await t.createUser('bob', 'bob-password-123');
  });
  afterAll(() => t.close());

  async function countRows(): Promise<number> {
    const ds = t.app.get(DataSource);
    const tables = ['oauth_client', 'app_user', 'refresh_token_family', 'refresh_token', 'audit_event', 'signing_key'];
    let total = 0;
    for (const table of tables) total += Number((await ds.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return total;
  }

  function raw(body: string | Buffer, headers: Record<string, string> = {}) {
    const req = request(t.http).post('/oauth/token');
    for (const [k, v] of Object.entries({ 'content-type': 'application/x-www-form-urlencoded', ...headers }))
      req.set(k, v);
    return req.send(body);
  }

  describe('client_credentials', () => {
    it('answers RFC 6749 5.1 with no refresh token (4.4.3) and no-store headers', async () => {
      const res = await t.token({ grant_type: 'client_credentials' }, basic(confidential));
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'read write' });
    });

    it('grants a requested subset of the client scope', async () => {
      const res = await t.token({ grant_type: 'client_credentials', scope: 'write' }, basic(confidential));
      expect(res.body.scope).toBe('write');
    });

    it('refuses scope beyond the client registration with invalid_scope', async () => {
      const res = await t.token({ grant_type: 'client_credentials', scope: 'read admin' }, basic(confidential));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: 'scope exceeds what was granted: admin' });
    });
  });

  describe('client authentication (RFC 6749 2.3)', () => {
    it('accepts client_secret_post for a client registered for it', async () => {
      const res = await t.token({
        grant_type: 'client_credentials',
        client_id: postClient.client_id,
        client_secret: postClient.client_secret!,
      });
      expect(res.status).toBe(200);
    });

    it('refuses a method other than the registered one', async () => {
      const viaPost = await t.token({
        grant_type: 'client_credentials',
        client_id: confidential.client_id,
        client_secret: confidential.client_secret!,
      });
      expect(viaPost.status).toBe(401);
      expect(viaPost.body.error).toBe('invalid_client');
      expect(viaPost.headers['www-authenticate']).toBeUndefined();
      const viaBasic = await t.token({ grant_type: 'client_credentials' }, basic(postClient));
      expect(viaBasic.status).toBe(401);
      expect(viaBasic.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
      const res = await t.token(
        { grant_type: 'client_credentials' },
        { id: confidential.client_id, secret: 'ascs_wrong' },
      );
      expect(res.status).toBe(401);
      expect(res.headers).toMatchObject({ ...NO_STORE, 'www-authenticate': 'Basic realm="oauth", charset="UTF-8"' });
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    });

    it('answers an unknown client exactly like a wrong secret', async () => {
      const unknown = await t.token({ grant_type: 'client_credentials' }, { id: 'nobody', secret: 'whatever' });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    });

    it('answers a missing client authentication with 401 invalid_client without a Basic challenge', async () => {
      const res = await t.token({ grant_type: 'client_credentials' });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('refuses two authentication methods in one request with invalid_request', async () => {
      const res = await t.token(
        {
          grant_type: 'client_credentials',
          client_id: confidential.client_id,
          client_secret: confidential.client_secret!,
        },
        basic(confidential),
      );
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'the client used more than one authentication method',
      });
    });

    it('form-url-decodes Basic credentials and splits them at the first colon (2.3.1)', async () => {
      const odd = await t.createClient({
        client_id: 'odd client:id',
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      const header = `Basic ${b64(`${encodeURIComponent('odd client:id').replace(/%20/g, '+')}:${odd.client_secret}`)}`;
      const res = await raw('grant_type=client_credentials', { authorization: header });
      expect(res.status).toBe(200);
      const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims.client_id).toBe('odd client:id');
    });

    it.each([
      ['not base64', 'Basic !!!'],
      ['no colon', `Basic ${b64('justanid')}`],
      ['empty secret', `Basic ${b64('id:')}`],
      ['bad percent-encoding', `Basic ${b64('id%E0%A4%A:secret')}`],
      ['invalid UTF-8', `Basic ${Buffer.from([0x69, 0x3a, 0xff, 0xfe]).toString('base64')}`],
      ['another scheme', 'Bearer abc'],
    ])('answers a malformed Basic header (%s) with 401 invalid_client and a challenge', async (_, header) => {
      const res = await raw('grant_type=client_credentials', { authorization: header });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    });

    // A public client may not use the password grant (RFC 9700 2.4): its code is answered
    // invalid_grant once the client is authenticated, invalid_client before.
    const badCode = { grant_type: 'authorization_code', code: `asac_${'A'.repeat(43)}`, code_verifier: 'v'.repeat(43) };

    it('lets a public client (none) authenticate with client_id alone', async () => {
      const res = await t.token({ ...badCode, client_id: publicClient.client_id });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { error: 'invalid_grant', error_description: 'the authorization code is invalid' },
      });
    });

    it('refuses a public client that presents a secret', async () => {
      const viaPost = await t.token({ ...badCode, client_id: publicClient.client_id, client_secret: 'x' });
      expect(viaPost.status).toBe(401);
      expect(viaPost.body.error).toBe('invalid_client');
      const viaBasic = await t.token(badCode, { id: publicClient.client_id, secret: 'x' });
      expect(viaBasic.status).toBe(401);
      expect(viaBasic.body.error).toBe('invalid_client');
    });

    it('refuses a confidential client that omits its secret', async () => {
      const res = await t.token({ grant_type: 'client_credentials', client_id: confidential.client_id });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });
  });

  describe('failed authentication bursts', () => {
    it('records one audit event when a client fails authentication 5 times within a minute', async () => {
      const target = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      const ds = t.app.get(DataSource);
      const events = () =>
        ds.query(`SELECT actor, action, target_type FROM audit_event WHERE target_id = '${target.client_id}'`);
      for (let i = 0; i < 4; i++) {
        expect(
          (await t.token({ grant_type: 'client_credentials' }, { id: target.client_id, secret: 'wrong' })).status,
        ).toBe(401);
      }
      expect(await events()).toEqual([]);
      for (let i = 0; i < 3; i++)
        await t.token({ grant_type: 'client_credentials' }, { id: target.client_id, secret: 'wrong' });
      expect(await events()).toEqual([
        { actor: 'system', action: 'client.authentication_failures', target_type: 'client' },
      ]);
    });
  });

  describe('grant types', () => {
    it('is unsupported_grant_type for an unknown grant', async () => {
      const res = await t.token({ grant_type: 'urn:example:magic' }, basic(confidential));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'unsupported_grant_type',
        error_description: 'grant_type urn:example:magic is not supported',
      });
    });

    it('is unauthorized_client for a known grant the client is not registered for', async () => {
      const res = await t.token(
        { grant_type: 'password', username: 'bob', password: 'bob-password-123' },
        basic(confidential),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });

    it('is invalid_request without grant_type', async () => {
      const res = await t.token({}, basic(confidential));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'grant_type is required' });
    });

    it('ignores unknown parameters (RFC 6749 3.2)', async () => {
      const res = await t.token(
        { grant_type: 'client_credentials', foo: 'bar', resource_hint: 'x' },
        basic(confidential),
      );
      expect(res.status).toBe(200);
    });
  });

  describe('password grant', () => {
    let pwClient: { client_id: string; client_secret?: string };
    beforeAll(async () => {
      pwClient = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    });

    it('answers wrong credentials with invalid_grant', async () => {
      const res = await t.token(
        { grant_type: 'password', username: 'bob', password: 'wrong-password' },
        basic(pwClient),
      );
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the resource owner credentials are invalid',
      });
    });

    it('answers an unknown user exactly like a wrong password', async () => {
      const res = await t.token(
        { grant_type: 'password', username: 'nobody', password: 'whatever-pass' },
        basic(pwClient),
      );
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the resource owner credentials are invalid',
      });
    });

    it('refuses a disabled user', async () => {
      const carol = await t.createUser('carol', 'carol-password-1');
      await t.app.get(DataSource).query(`UPDATE app_user SET disabled_at = 1 WHERE id = '${carol.id}'`);
      const res = await t.token(
        { grant_type: 'password', username: 'carol', password: 'carol-password-1' },
        basic(pwClient),
      );
      expect(res.body.error).toBe('invalid_grant');
    });

    it('requires username and password', async () => {
      const res = await t.token({ grant_type: 'password', username: 'bob' }, basic(pwClient));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'password is required' });
    });
  });

  describe('bad input never reaches a 500 nor changes stored data', () => {
    const admin = { id: ADMIN_CLIENT_ID, secret: ADMIN_CLIENT_SECRET };
    const auth = () => `Basic ${b64(`${admin.id}:${admin.secret}`)}`;
    const cases: [string, () => request.Test, number, string][] = [
      [
        'JSON instead of a form',
        () =>
          request(t.http).post('/oauth/token').set('authorization', auth()).send({ grant_type: 'client_credentials' }),
        400,
        'invalid_request',
      ],
      [
        'no content type',
        () =>
          request(t.http)
            .post('/oauth/token')
            .set('authorization', auth())
            .send(Buffer.from('grant_type=client_credentials')),
        400,
        'invalid_request',
      ],
      [
        'a non-UTF-8 charset',
        () =>
          raw('grant_type=client_credentials', {
            authorization: auth(),
            'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1',
          }),
        400,
        'invalid_request',
      ],
      [
        'a repeated parameter',
        () => raw('grant_type=client_credentials&grant_type=client_credentials', { authorization: auth() }),
        400,
        'invalid_request',
      ],
      [
        'a repeated scope',
        () => raw('grant_type=client_credentials&scope=admin&scope=admin', { authorization: auth() }),
        400,
        'invalid_request',
      ],
      [
        'bad percent-encoding',
        () => raw('grant_type=client_credentials&scope=%E0%A4%A', { authorization: auth() }),
        400,
        'invalid_request',
      ],
      [
        'percent-encoded invalid UTF-8',
        () => raw('grant_type=client_credentials&scope=%FF%FE', { authorization: auth() }),
        400,
        'invalid_request',
      ],
      [
        'raw non-UTF-8 bytes',
        () => raw(Buffer.from([0x67, 0x3d, 0xff, 0xfe]), { authorization: auth() }),
        400,
        'invalid_request',
      ],
      [
        'an oversized body',
        () => raw(`grant_type=client_credentials&x=${'a'.repeat(20000)}`, { authorization: auth() }),
        413,
        'invalid_request',
      ],
      [
        'a very long scope',
        () => raw(`grant_type=client_credentials&scope=${'a'.repeat(3000)}`, { authorization: auth() }),
        400,
        'invalid_request',
      ],
      [
        'a NUL in the scope',
        () => raw('grant_type=client_credentials&scope=ad%00min', { authorization: auth() }),
        400,
        'invalid_scope',
      ],
      [
        'a very long client_id',
        () => raw(`grant_type=client_credentials&client_id=${'c'.repeat(5000)}`),
        401,
        'invalid_client',
      ],
      [
        'a NUL in client_id (client_secret_post)',
        () => raw('grant_type=client_credentials&client_id=ad%00min&client_secret=x'),
        401,
        'invalid_client',
      ],
      [
        'a NUL in a public client_id',
        () => raw('grant_type=password&client_id=%00&username=a&password=b'),
        401,
        'invalid_client',
      ],
      [
        'a NUL in the Basic client id',
        () => raw('grant_type=client_credentials', { authorization: `Basic ${b64('a%00b:secret')}` }),
        401,
        'invalid_client',
      ],
      [
        'a garbage grant_type',
        () => raw('grant_type=%00%01%02', { authorization: auth() }),
        400,
        'unsupported_grant_type',
      ],
    ];

    it.each(cases)('answers %s with an RFC error', async (_, send, status, error) => {
      const before = await countRows();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers).toMatchObject(NO_STORE);
      expect(res.body).toEqual({ error, error_description: expect.any(String) });
      expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(await countRows()).toBe(before);
    });

    it('does not answer GET on the token endpoint', async () => {
      const res = await request(t.http).get('/oauth/token');
      expect(res.status).toBe(404);
    });
  });
});
