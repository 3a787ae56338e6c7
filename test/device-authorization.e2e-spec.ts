import { Writable } from 'node:stream';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { hashSecret } from '#oauth';
import { JsonLogger } from '../apps/authorization-server/src/logging/json-logger.js';
import { AdminApi, expectAdminError } from './support/admin-api.js';
import { DEVICE_CODE_GRANT, DeviceUser, deviceFields } from './support/device-flow.js';
import type { DeviceAuthorizationResponse } from '../apps/authorization-server/src/authorization/device-authorizations.service.js';
import { type TestApp, ISSUER, basic, startTestApp } from './support/test-app.js';
import { bearerTokenResponse } from './support/token-response.js';

const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** Every line the server logs, at the most verbose level. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

describe('device authorization grant (RFC 8628)', () => {
  const capture = new Capture();
  /** Every device code and user code handed out in this file. */
  const issued: string[] = [];
  let t: TestApp;
  let tv: { client_id: string };
  let console_: { client_id: string; client_secret?: string };
  let web: { client_id: string; client_secret?: string };
  let user: { id: string };

  beforeAll(async () => {
    // Each DeviceUser comes from an address of its own (X-Forwarded-For from the loopback proxy).
    t = await startTestApp({ env: { TRUST_PROXY: 'loopback' }, logger: new JsonLogger('verbose', capture) });
    tv = await t.createClient({
      client_name: 'Living-room <TV>',
      grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
      scope: 'read write',
      token_endpoint_auth_method: 'none',
    });
    console_ = await t.createClient({ client_name: 'Console', grant_types: [DEVICE_CODE_GRANT], scope: 'read' });
    web = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
    user = await t.createUser('dana', 'dana-password-1');
  });
  afterAll(() => t.close());

  async function startPublic(form: Record<string, string> = {}) {
    const res = await request(t.http)
      .post('/oauth/device_authorization')
      .type('form')
      .send({ client_id: tv.client_id, ...form });
    if (res.status === 200) issued.push(res.body.device_code, res.body.user_code, res.body.user_code.replace('-', ''));
    return res;
  }

  async function start(form: Record<string, string> = {}): Promise<DeviceAuthorizationResponse> {
    const res = await startPublic(form);
    expect(res.status).toBe(200);
    return res.body as DeviceAuthorizationResponse;
  }

  const poll = (deviceCode: string, clientId = tv.client_id) =>
    t.token({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: clientId });

  /** Waits the device's interval on the test clock, then polls. */
  async function pollLater(deviceCode: string, seconds = 5) {
    t.clock.advance(seconds);
    return poll(deviceCode);
  }

  const approve = (codes: DeviceAuthorizationResponse, decision: 'allow' | 'deny' = 'allow') =>
    new DeviceUser(t.http).verify(codes.user_code, 'dana', 'dana-password-1', decision);

  describe('POST /oauth/device_authorization', () => {
    it('answers a device code, a user code and where to enter it, not to be cached; both stored only as hashes', async () => {
      const res = await startPublic({ scope: 'read' });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
      const codes = res.body as DeviceAuthorizationResponse;
      expect(Object.keys(codes).sort()).toEqual(
        ['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete'].sort(),
      );
      expect(codes.device_code).toMatch(/^asdc_[A-Za-z0-9_-]{43}$/);
      expect(codes.user_code).toMatch(USER_CODE);
      expect(codes).toMatchObject({
        verification_uri: `${ISSUER}/device`,
        verification_uri_complete: `${ISSUER}/device?user_code=${codes.user_code}`,
        expires_in: 600,
        interval: 5,
      });
      const rows = await t.app.get(DataSource).query('SELECT * FROM device_authorization');
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(codes.device_code);
      expect(dump).not.toContain(codes.user_code);
      expect(dump).not.toContain(codes.user_code.replace('-', ''));
      expect(dump).toContain(hashSecret(codes.device_code));
      expect(dump).toContain(hashSecret(codes.user_code.replace('-', '')));
    });

    it('authenticates a confidential client as the token endpoint does', async () => {
      const res = await request(t.http)
        .post('/oauth/device_authorization')
        .type('form')
        .auth(console_.client_id, console_.client_secret!)
        .send({});
      expect(res.status).toBe(200);
      const wrong = await request(t.http)
        .post('/oauth/device_authorization')
        .type('form')
        .auth(console_.client_id, 'wrong-secret')
        .send({});
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    });

    it('refuses a client not registered for the grant with unauthorized_client', async () => {
      const res = await request(t.http)
        .post('/oauth/device_authorization')
        .type('form')
        .auth(web.client_id, web.client_secret!)
        .send({});
      expect(res.status).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        error: 'unauthorized_client',
        error_description: `the client is not allowed to use grant_type ${DEVICE_CODE_GRANT}`,
      });
    });

    it('answers bad input in the RFC 6749 5.2 shape, never a 500', async () => {
      const noClient = await request(t.http).post('/oauth/device_authorization').type('form').send({ scope: 'read' });
      expect(noClient.status).toBe(401);
      expect(noClient.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      const unknownClient = await request(t.http)
        .post('/oauth/device_authorization')
        .type('form')
        .send({ client_id: 'no-such-client' });
      expect(unknownClient.status).toBe(401);
      const unknownScope = await startPublic({ scope: 'read admin' });
      expect(unknownScope.status).toBe(400);
      expect(unknownScope.body).toEqual({
        error: 'invalid_scope',
        error_description: 'scope exceeds what was granted: admin',
      });
      const malformed = await startPublic({ scope: 'read\u0001' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toBe('invalid_scope');
      const repeated = await request(t.http)
        .post('/oauth/device_authorization')
        .type('form')
        .send(`client_id=${tv.client_id}&scope=read&scope=write`);
      expect(repeated.status).toBe(400);
      expect(repeated.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
      const json = await request(t.http).post('/oauth/device_authorization').send({ client_id: tv.client_id });
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('invalid_request');
    });
  });

  describe('the device polls while the user approves', () => {
    it('is pending, then the user enters the code, signs in and allows; the device gets both tokens, and refreshes', async () => {
      const codes = await start({ scope: 'read' });
      const pending = await poll(codes.device_code);
      expect(pending.status).toBe(400);
      expect(pending.headers['cache-control']).toBe('no-store');
      expect(pending.body).toEqual({
        error: 'authorization_pending',
        error_description: 'the user has not yet approved the request',
      });

      const dana = new DeviceUser(t.http);
      const redirect = await dana.get(`/device?user_code=${codes.user_code}`);
      expect(redirect.status).toBe(303);
      expect(redirect.headers.location).toBe(`/oauth/device?user_code=${codes.user_code}`);
      const form = await dana.get(redirect.headers.location);
      expect(form.status).toBe(200);
      expect(form.headers['x-frame-options']).toBe('DENY');
      expect(form.headers['cache-control']).toBe('no-store');
      expect(form.text).toContain(`value="${codes.user_code}"`);
      const login = await dana.enterCode(form.text);
      expect(login.status).toBe(200);
      expect(login.text).toContain('Sign in');
      expect(login.text).toContain('Living-room &#60;TV&#62;');
      const consent = await dana.signIn(login.text, 'dana', 'dana-password-1');
      expect(consent.status).toBe(200);
      expect(consent.headers['set-cookie']).toEqual(
        expect.arrayContaining([expect.stringMatching(/^as_session=.*; Path=\/oauth; .*HttpOnly; SameSite=Lax/)]),
      );
      expect(consent.text).toContain('Allow access?');
      expect(consent.text).toContain('Living-room &#60;TV&#62;');
      expect(consent.text).toContain('<li>read</li>');
      expect(consent.text).not.toContain('<li>write</li>');
      expect(consent.text).not.toContain('name="remember"');
      const done = await dana.decide(consent.text, 'allow');
      expect(done.status).toBe(200);
      expect(done.text).toContain('You may return to your device.');

      const tokens = await pollLater(codes.device_code);
      expect(tokens.status).toBe(200);
      expect(tokens.headers['cache-control']).toBe('no-store');
      expect(tokens.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'read',
        refresh_token: expect.stringMatching(/^asrt_/),
      });
      const claims = JSON.parse(Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ sub: user.id, client_id: tv.client_id, scope: 'read', sid: expect.any(String) });
      const refreshed = await t.token({
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token,
        client_id: tv.client_id,
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refresh_token).toMatch(/^asrt_/);
    });

    it('takes a user already signed in straight to the consent page', async () => {
      const dana = new DeviceUser(t.http);
      await dana.verify((await start()).user_code, 'dana', 'dana-password-1');
      const codes = await start();
      const consent = await dana.enterCode((await dana.open(codes.user_code)).text);
      expect(consent.status).toBe(200);
      expect(consent.text).toContain('Allow access?');
      expect(consent.text).toContain('<li>read</li><li>write</li>');
      expect((await dana.decide(consent.text, 'allow')).status).toBe(200);
      expect((await pollLater(codes.device_code)).status).toBe(200);
    });

    it('gives no refresh token to a client without the refresh_token grant', async () => {
      const res = await request(t.http)
        .post('/oauth/device_authorization')
        .type('form')
        .auth(console_.client_id, console_.client_secret!)
        .send({});
      const codes = res.body as DeviceAuthorizationResponse;
      await approve(codes);
      const tokens = await t.token({ grant_type: DEVICE_CODE_GRANT, device_code: codes.device_code }, basic(console_));
      expect(tokens.status).toBe(200);
      expect(tokens.body).toEqual(bearerTokenResponse('read'));
    });

    it('answers access_denied when the user denies', async () => {
      const codes = await start();
      const done = await approve(codes, 'deny');
      expect(done.status).toBe(200);
      expect(done.text).toContain('Access denied');
      const res = await pollLater(codes.device_code);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'access_denied', error_description: 'the user denied the request' });
    });

    it('accepts the user code in any case and without the dash', async () => {
      const codes = await start();
      const dana = new DeviceUser(t.http);
      const typed = codes.user_code.replace('-', '').toLowerCase();
      const login = await dana.enterCode((await dana.open()).text, typed);
      expect(login.status).toBe(200);
      const consent = await dana.signIn(login.text, 'dana', 'dana-password-1');
      expect((await dana.decide(consent.text, 'allow')).status).toBe(200);
      expect((await pollLater(codes.device_code)).status).toBe(200);
    });

    it('refuses a code already decided on the verification page', async () => {
      const codes = await start();
      await approve(codes);
      const dana = new DeviceUser(t.http);
      const again = await dana.enterCode((await dana.open()).text, codes.user_code);
      expect(again.status).toBe(400);
      expect(again.text).toContain('That code is wrong or has expired.');
    });
  });

  describe('polling', () => {
    it('answers slow_down to a device polling faster than its interval, which grows by 5 seconds each time', async () => {
      const codes = await start();
      expect((await poll(codes.device_code)).body.error).toBe('authorization_pending');
      const fast = await poll(codes.device_code);
      expect(fast.status).toBe(400);
      expect(fast.body).toEqual({
        error: 'slow_down',
        error_description: 'polling too fast; wait 10 seconds between requests',
      });
      // 5 seconds are no longer enough: the interval is 10 now.
      expect((await pollLater(codes.device_code, 5)).body.error).toBe('slow_down');
      expect((await pollLater(codes.device_code, 15)).body.error).toBe('authorization_pending');
      const [row] = await t.app
        .get(DataSource)
        .query(
          `SELECT "interval" FROM device_authorization WHERE device_code_hash = '${hashSecret(codes.device_code)}'`,
        );
      expect(Number(row.interval)).toBe(15);
      await approve(codes);
      expect((await pollLater(codes.device_code, 15)).status).toBe(200);
    });

    it('answers expired_token once the device code expired, and the page no longer takes its user code', async () => {
      const codes = await start();
      t.clock.advance(600);
      const res = await poll(codes.device_code);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'expired_token', error_description: 'the device code has expired' });
      const dana = new DeviceUser(t.http);
      const page = await dana.enterCode((await dana.open()).text, codes.user_code);
      expect(page.status).toBe(400);
      expect(page.text).toContain('That code is wrong or has expired.');
    });

    it('redeems a device code once: a second poll after the tokens is invalid_grant', async () => {
      const codes = await start();
      await approve(codes);
      expect((await pollLater(codes.device_code)).status).toBe(200);
      const again = await pollLater(codes.device_code);
      expect(again.status).toBe(400);
      expect(again.body).toEqual({ error: 'invalid_grant', error_description: 'the device code was already used' });
    });

    it('gives tokens to exactly one of concurrent polls', async () => {
      const codes = await start();
      await approve(codes);
      t.clock.advance(5);
      const answers = await Promise.all(Array.from({ length: 8 }, () => poll(codes.device_code)));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      const refused = answers.filter((r) => r.status !== 200);
      expect(refused).toHaveLength(7);
      for (const r of refused) expect(r.body.error).toBe('invalid_grant');
      const families = await t.app
        .get(DataSource)
        .query(`SELECT id FROM refresh_token_family WHERE client_id = '${tv.client_id}' AND subject = '${user.id}'`);
      const sids = answers
        .filter((r) => r.status === 200)
        .map((r) => JSON.parse(Buffer.from(r.body.access_token.split('.')[1], 'base64url').toString()).sid);
      expect(families.map((f: { id: string }) => f.id)).toContain(sids[0]);
    });

    it("refuses another client's device code with invalid_grant, and leaves it to its own client", async () => {
      const codes = await start();
      await approve(codes);
      t.clock.advance(5);
      const other = await t.token({ grant_type: DEVICE_CODE_GRANT, device_code: codes.device_code }, basic(console_));
      expect(other.status).toBe(400);
      expect(other.body).toEqual({ error: 'invalid_grant', error_description: 'the device code is invalid' });
      expect((await poll(codes.device_code)).status).toBe(200);
    });

    it('answers unknown, malformed or missing device codes in the RFC 6749 5.2 shape', async () => {
      const unknown = await poll(`asdc_${'A'.repeat(43)}`);
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ error: 'invalid_grant', error_description: 'the device code is invalid' });
      expect((await poll('not-a-device-code')).body.error).toBe('invalid_grant');
      const missing = await t.token({ grant_type: DEVICE_CODE_GRANT, client_id: tv.client_id });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'device_code is required' });
      const notAllowed = await t.token({ grant_type: DEVICE_CODE_GRANT, device_code: 'x' }, basic(web));
      expect(notAllowed.status).toBe(400);
      expect(notAllowed.body.error).toBe('unauthorized_client');
    });
  });

  describe('an approval that no longer holds when the device polls (RFC 8628 3.5)', () => {
    let admin: AdminApi;
    let n = 0;
    beforeAll(() => {
      admin = new AdminApi(t);
    });

    /** A user of its own approves a device code of `clientId`; the device has not polled since. */
    async function approvedBySomeone(clientId = tv.client_id) {
      const username = `device-user-${++n}`;
      const someone = await t.createUser(username, `${username}-password`);
      const auth = clientId === console_.client_id ? basic(console_) : undefined;
      const started = request(t.http).post('/oauth/device_authorization').type('form');
      if (auth) started.auth(auth.id, auth.secret);
      const res = await started.send(auth ? {} : { client_id: clientId });
      expect(res.status).toBe(200);
      const codes = res.body as DeviceAuthorizationResponse;
      issued.push(codes.device_code, codes.user_code, codes.user_code.replace('-', ''));
      const done = await new DeviceUser(t.http).verify(codes.user_code, username, `${username}-password`);
      expect(done.status).toBe(200);
      t.clock.advance(5);
      const pollAs = () =>
        auth
          ? t.token({ grant_type: DEVICE_CODE_GRANT, device_code: codes.device_code }, auth)
          : poll(codes.device_code);
      return { someone, codes, pollAs };
    }

    async function expectWithdrawn(pollAs: () => request.Test, subject: string) {
      for (let i = 0; i < 2; i++) {
        const res = await pollAs();
        expect(res.status).toBe(400);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({ error: 'access_denied', error_description: 'the approval was withdrawn' });
        t.clock.advance(5);
      }
      const families = await t.app
        .get(DataSource)
        .query(`SELECT id FROM refresh_token_family WHERE subject = '${subject}'`);
      expect(families).toEqual([]);
    }

    it('answers access_denied when the consent was withdrawn, and the withdrawal needs no remembered consent', async () => {
      const { someone, pollAs } = await approvedBySomeone();
      const withdrawn = await admin.delete(`/admin/users/${someone.id}/consents/${tv.client_id}`);
      expect(withdrawn.status).toBe(204);
      await expectWithdrawn(pollAs, someone.id);
      // Nothing left to withdraw: no remembered consent, no approval awaiting its poll.
      expectAdminError(await admin.delete(`/admin/users/${someone.id}/consents/${tv.client_id}`), 404);
    });

    it('answers access_denied when the user was disabled, also after an enable', async () => {
      const { someone, pollAs } = await approvedBySomeone();
      expect((await admin.post(`/admin/users/${someone.id}/disable`)).status).toBe(200);
      expect((await admin.post(`/admin/users/${someone.id}/enable`)).status).toBe(200);
      await expectWithdrawn(pollAs, someone.id);
    });

    it('answers access_denied when the user was given a new password', async () => {
      const { someone, pollAs } = await approvedBySomeone();
      expect((await admin.put(`/admin/users/${someone.id}/password`, { password: 'a-new-password-1' })).status).toBe(
        204,
      );
      await expectWithdrawn(pollAs, someone.id);
    });

    it('answers access_denied when the user was deleted', async () => {
      const { someone, pollAs } = await approvedBySomeone();
      expect((await admin.delete(`/admin/users/${someone.id}`)).status).toBe(204);
      await expectWithdrawn(pollAs, someone.id);
    });

    it('issues no access token either to a client without refresh tokens', async () => {
      const disabled = await approvedBySomeone(console_.client_id);
      expect((await admin.post(`/admin/users/${disabled.someone.id}/disable`)).status).toBe(200);
      await expectWithdrawn(disabled.pollAs, disabled.someone.id);
      const withdrawn = await approvedBySomeone(console_.client_id);
      const res = await admin.delete(`/admin/users/${withdrawn.someone.id}/consents/${console_.client_id}`);
      expect(res.status).toBe(204);
      await expectWithdrawn(withdrawn.pollAs, withdrawn.someone.id);
    });

    it("leaves the user's other approvals alone: another client's is still redeemed", async () => {
      const { someone, codes } = await approvedBySomeone();
      expectAdminError(await admin.delete(`/admin/users/${someone.id}/consents/${console_.client_id}`), 404);
      expect((await poll(codes.device_code)).status).toBe(200);
    });
  });

  describe('the verification page', () => {
    it('refuses a form without its CSRF token, or from another origin', async () => {
      const codes = await start();
      const dana = new DeviceUser(t.http);
      const page = await dana.open();
      const { csrf_token } = deviceFields(page.text);
      const post = (form: Record<string, string>, origin?: string) => {
        const req = dana.post('/oauth/device');
        if (origin) req.set('origin', origin);
        return req.send(form);
      };
      const missing = await post({ user_code: codes.user_code });
      expect(missing.status).toBe(403);
      expect(missing.text).toContain('Request refused');
      expect((await post({ user_code: codes.user_code, csrf_token: 'A'.repeat(43) })).status).toBe(403);
      expect((await post({ user_code: codes.user_code, csrf_token }, 'https://evil.example')).status).toBe(403);
      const noCookie = await request(t.http)
        .post('/oauth/device/consent')
        .type('form')
        .send({ user_code: codes.user_code, csrf_token, decision: 'allow' });
      expect(noCookie.status).toBe(403);
      expect((await poll(codes.device_code)).body.error).toBe('authorization_pending');
    });

    it('refuses a sign-in or consent form whose request is unknown or no longer pending', async () => {
      const codes = await start();
      const dana = new DeviceUser(t.http);
      const login = await dana.enterCode((await dana.open()).text, codes.user_code);
      const fields = deviceFields(login.text);
      expect(fields.device_request).toMatch(/^[0-9a-f-]{36}$/);
      const forged = await dana
        .post('/oauth/device/login')
        .send({ ...fields, device_request: '00000000-0000-4000-8000-000000000000', username: 'dana', password: 'x' });
      expect(forged.status).toBe(400);
      expect(forged.text).toContain('That code is wrong or has expired.');
      expect((await dana.post('/oauth/device/login').send({ ...fields, device_request: "' OR 1=1 --" })).status).toBe(
        400,
      );
      t.clock.advance(600);
      const late = await dana.signIn(login.text, 'dana', 'dana-password-1');
      expect(late.status).toBe(400);
      expect(late.text).toContain('That code is wrong or has expired.');
    });

    it('throttles the user codes entered per address, as the sign-in throttle does', async () => {
      const codes = await start();
      const dana = new DeviceUser(t.http);
      const page = (await dana.open()).text;
      for (let i = 0; i < 10; i++) {
        const wrong = await dana.enterCode(page, 'BBBB-BBBB');
        expect(wrong.status).toBe(400);
        expect(wrong.text).toContain('That code is wrong or has expired.');
      }
      const throttled = await dana.enterCode(page, 'BBBB-BBBB');
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect(throttled.text).toContain('Too many codes entered.');
      // While throttled, even the right code is not looked up.
      expect((await dana.enterCode(page, codes.user_code)).status).toBe(429);
      const audit = await t.app
        .get(DataSource)
        .query("SELECT target_id FROM audit_event WHERE action = 'device.user_code_throttled'");
      expect(audit).toEqual([{ target_id: dana.address }]);
      // Another address is not affected; this one is served again once the window has passed.
      expect((await new DeviceUser(t.http).verify(codes.user_code, 'dana', 'dana-password-1')).status).toBe(200);
      t.clock.advance(900);
      const fresh = await start();
      expect((await dana.enterCode(page, fresh.user_code)).status).toBe(200);
    });
  });

  it('publishes the endpoint and the grant in the metadata (RFC 8628 4)', async () => {
    const res = await request(t.http).get('/.well-known/oauth-authorization-server');
    expect(res.body.device_authorization_endpoint).toBe(`${ISSUER}/oauth/device_authorization`);
    expect(res.body.grant_types_supported).toContain(DEVICE_CODE_GRANT);
  });

  it('never logs a device code or a user code', () => {
    expect(issued.length).toBeGreaterThan(30);
    expect(capture.lines.length).toBeGreaterThan(100);
    const text = capture.lines.join('\n');
    for (const code of issued) expect(text).not.toContain(code);
    expect(text).not.toMatch(/asdc_/);
  });
});
