import type { Browser } from 'playwright-core';
import request from 'supertest';
import { artifactPath, freePort, launchBrowser, loopbackPage } from './support/browser.js';
import { DEVICE_CODE_GRANT } from './support/device-flow.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The device authorization grant as a TV runs it (RFC 8628): the device (the test, in Node) asks for
 * codes, a real (headless) Chromium opens verification_uri_complete, continues with the prefilled code,
 * signs in and allows on the server's pages, and the device's next poll gets the tokens.
 */
describe('device authorization grant in a browser', () => {
  const UI_TIMEOUT = 15_000;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, 60_000);

  it('enters the code, signs in and allows in Chromium; the device then polls its tokens', async () => {
    // The issuer is the app's real URL: the forms' Origin is checked against it.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const app = await startTestApp({ port, env: { ISSUER: issuer } });
    t = app;
    const tv = await app.createClient({
      client_name: 'Living-room TV',
      grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
      scope: 'read write',
      token_endpoint_auth_method: 'none',
    });
    const alice = await app.createUser('alice', 'alice-password-1');

    // The device asks for codes, and finds the user has not decided yet.
    const started = await request(issuer).post('/oauth/device_authorization').type('form').send({
      client_id: tv.client_id,
      scope: 'read',
    });
    expect(started.status).toBe(200);
    const codes = started.body as { device_code: string; user_code: string; verification_uri_complete: string };
    const poll = () =>
      app.token({ grant_type: DEVICE_CODE_GRANT, device_code: codes.device_code, client_id: tv.client_id });
    expect((await poll()).body.error).toBe('authorization_pending');

    browser = await launchBrowser();
    const { page, pageErrors } = await loopbackPage(browser, UI_TIMEOUT);

    try {
      // verification_uri_complete (a QR code on the TV): the code form, with the code filled in.
      const opened = await page.goto(codes.verification_uri_complete);
      expect(opened?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/oauth/device');
      await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
      expect(await page.getByLabel('Code').inputValue()).toBe(codes.user_code);
      await page.screenshot({ path: artifactPath('device-code-page.png') });
      await page.getByRole('button', { name: 'Continue' }).click();

      // The sign-in page of the code flow, naming the device's client.
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.locator('main.card strong', { hasText: 'Living-room TV' }).waitFor();
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password-1');
      await page.getByRole('button', { name: 'Sign in' }).click();

      // The consent page: the client, the user and the one scope asked for.
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      const intro = await page.locator('main.card p').first().textContent();
      expect(intro?.replace(/\s+/g, ' ').trim()).toBe('Living-room TV asks to act on your behalf, alice, with:');
      expect(await page.locator('ul.scopes li').allTextContents()).toEqual(['read']);
      await page.screenshot({ path: artifactPath('device-consent-page.png') });
      await page.getByRole('button', { name: 'Allow' }).click();

      await page.getByRole('heading', { name: 'Device connected' }).waitFor();
      await page.getByText('You may return to your device.').waitFor();
      await page.screenshot({ path: artifactPath('device-done-page.png') });
    } catch (e) {
      await page.screenshot({ path: artifactPath('device-flow-failure.png') }).catch(() => undefined);
      throw e;
    }
    expect(pageErrors).toEqual([]);

    // The device's next poll, an interval later.
    app.clock.advance(5);
    const tokens = await poll();
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'read',
      refresh_token: expect.stringMatching(/^asrt_/),
    });
    const claims = JSON.parse(Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: alice.id, client_id: tv.client_id, iss: issuer });
  }, 60_000);
});
