import type { INestApplication } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { freePort, startDemo } from './support/demo-server.js';
import { SAMPLE_NOTES } from '../apps/demo-resource-server/src/notes/notes.js';
import { basic, startTestApp, type TestApp, TestClock } from './support/test-app.js';

/** The authorization server's issuer must be its real URL: the demo fetches the JWKS from it. */
const invalidToken = (description: string) => ({
  header: `Bearer realm="api", error="invalid_token", error_description="${description}"`,
  body: { error: 'invalid_token', error_description: description },
});

describe('demo resource server protected by #resource-guard, with the real authorization server', () => {
  const demoClock = new TestClock();
  let t: TestApp;
  let demo: INestApplication;
  let api: string;
  let client: { client_id: string; client_secret?: string };

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    t = await startTestApp({ port, env: { ISSUER: issuer } });
    ({ demo, api } = await startDemo(issuer, demoClock));
    client = await t.createClient({ grant_types: ['client_credentials'], scope: 'read write' });
  });
  afterAll(async () => {
    await demo?.close();
    await t?.close();
  });

  async function accessToken(scope: string): Promise<string> {
    const res = await t.token({ grant_type: 'client_credentials', scope }, basic(client));
    expect(res.status).toBe(200);
    return res.body.access_token;
  }

  const get = (path: string, token: string) => request(api).get(path).auth(token, { type: 'bearer' });
  const postNote = (token: string, body: unknown) =>
    request(api)
      .post('/api/notes')
      .auth(token, { type: 'bearer' })
      .send(body as object);

  it('answers /health without a token', async () => {
    const res = await request(api).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('serves the profile and the notes for a token with scope read', async () => {
    const token = await accessToken('read');
    const profile = await get('/api/profile', token);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ sub: client.client_id, client_id: client.client_id, scope: 'read' });
    const notes = await get('/api/notes', token);
    expect(notes.status).toBe(200);
    expect(notes.body).toEqual(SAMPLE_NOTES);
  });

  it('creates a note with scope write (201, echoed)', async () => {
    const res = await postNote(await accessToken('read write'), { text: 'hello from the e2e test' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ text: 'hello from the e2e test' });
  });

  it('answers 403 insufficient_scope to POST with only read', async () => {
    const res = await postNote(await accessToken('read'), { text: 'not allowed' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_scope", scope="write"');
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'the request needs the scope write' });
  });

  it('answers 401 with a bare Bearer challenge without a token (RFC 6750 3.1)', async () => {
    const res = await request(api).get('/api/profile');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.body).toEqual({ error_description: 'an access token is required' });
  });

  it('refuses a refresh token of the same server, and accepts the access token that came with it', async () => {
    const owner = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read write' });
    const user = await t.createUser('u1', 'u1-password-1');
    const grant = await t.token({ grant_type: 'password', username: 'u1', password: 'u1-password-1' }, basic(owner));
    expect(grant.body.refresh_token).toMatch(/^asrt_/);
    const refused = await get('/api/profile', grant.body.refresh_token);
    const expected = invalidToken('the access token is malformed');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(expected.header);
    expect(refused.body).toEqual(expected.body);
    expect((await get('/api/profile', grant.body.access_token)).body).toEqual({
      sub: user.id,
      client_id: owner.client_id,
      scope: 'read write',
    });
  });

  it('refuses an expired token: exp is checked against the demo app clock', async () => {
    const res = await t.token({ grant_type: 'client_credentials', scope: 'read' }, basic(client));
    expect((await get('/api/profile', res.body.access_token)).status).toBe(200);
    // Past expires_in plus the 5 s clock tolerance.
    demoClock.advance(res.body.expires_in + 6);
    try {
      const expired = await get('/api/profile', res.body.access_token);
      expect(expired.status).toBe(401);
      expect(expired.headers['www-authenticate']).toBe(invalidToken('the access token expired').header);
    } finally {
      demoClock.advance(-(res.body.expires_in + 6));
    }
  });

  describe('forged tokens with the right claims', () => {
    async function genuine() {
      const token = await accessToken('read');
      return { kid: decodeProtectedHeader(token).kid!, claims: decodeJwt(token) };
    }

    it('refuses one signed by a foreign key under the server key id', async () => {
      const { kid, claims } = await genuine();
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .sign(privateKey);
      const res = await get('/api/profile', forged);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(invalidToken('the signature is invalid').body);
    });

    it('refuses one with alg none', async () => {
      const { kid, claims } = await genuine();
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const res = await get('/api/profile', `${part({ alg: 'none', kid, typ: 'at+jwt' })}.${part(claims)}.`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('the signing algorithm is not accepted').header);
    });
  });

  describe('POST /api/notes body (JSON, at most 1 KiB, text of 1 to 280 characters)', () => {
    let writer: string;
    beforeAll(async () => {
      writer = await accessToken('write');
    });

    it('accepts 280 characters', async () => {
      expect((await postNote(writer, { text: 'é'.repeat(280) })).status).toBe(201);
    });

    it.each([
      ['an empty text', { text: '' }, 'text must be longer than or equal to 1 characters'],
      ['281 characters', { text: 'x'.repeat(281) }, 'text must be shorter than or equal to 280 characters'],
      ['a number', { text: 42 }, 'text must be a string'],
      ['an unknown field', { text: 'a', pinned: true }, 'property pinned should not exist'],
      ['a body over 1 KiB', { text: 'a', pad: 'x'.repeat(1100) }, 'the body exceeds 1024 bytes'],
      ['a list', [{ text: 'a' }], 'the body must be a JSON object'],
    ])('answers 400 invalid_request to %s', async (_case, body, description) => {
      const res = await postNote(writer, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: description });
    });

    it('answers 400 invalid_request to malformed JSON and to a body that is not JSON', async () => {
      const send = (type: string, body: string) =>
        request(api).post('/api/notes').auth(writer, { type: 'bearer' }).type(type).send(body);
      expect((await send('json', '{"text":')).body).toEqual({
        error: 'invalid_request',
        error_description: 'the body is not valid JSON',
      });
      expect((await send('text', 'hello')).body).toEqual({
        error: 'invalid_request',
        error_description: 'the body must be application/json',
      });
    });
  });
});
