import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { createDemoApp } from '../apps/demo-resource-server/src/create-demo-app.js';
import { authorizeUrl, pkcePair } from './support/authorization-flow.js';
import { artifactPath, freePort, launchBrowser, loopbackPage } from './support/browser.js';
import { type CallbackServer, startCallbackServer } from './support/code-flow-callback.js';
import { startTestApp, type TestApp, TestClock } from './support/test-app.js';
import { bearerTokenResponse } from './support/token-response.js';

/**
 * The authorization code flow as a native app runs it (RFC 8252): a real (headless) Chromium signs
 * in and consents on the server's pages, lands on a loopback redirect URI whose port is not the
 * registered one, and the app (here: the test, in Node) exchanges the code with its PKCE verifier,
 * calls the demo resource server, lets the access token expire and refreshes it.
 */
describe('authorization code flow in a browser, for a native app with a loopback redirect URI', () => {
  const UI_TIMEOUT = 15_000;
  const ACCESS_TOKEN_LIFETIME = 60;
  /** #resource-guard admits a token this long after its exp (its default clockToleranceSeconds). */
  const RESOURCE_GUARD_CLOCK_TOLERANCE = 5;
  /** --accent of the pages' stylesheet; Chromium's own button background is a light grey. */
  const ACCENT = 'rgb(36, 81, 183)';
  const PAGE_BACKGROUND = 'rgb(243, 245, 249)';

  let t: TestApp | undefined;
  let demo: INestApplication | undefined;
  let callback: CallbackServer | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    await callback?.close();
    await demo?.close();
    await t?.close();
  }, 60_000);

  /** The computed background colour (no DOM lib in tsconfig: getComputedStyle via the element's window). */
  const backgroundOf = (page: Page, selector: string): Promise<string> =>
    page.locator(selector).evaluate((el) => el.ownerDocument.defaultView.getComputedStyle(el).backgroundColor);

  it('signs in and consents in Chromium, exchanges the code with PKCE, calls the API, and refreshes after expiry', async () => {
    // 1. The authorization server (its issuer is its real URL: the demo fetches the JWKS from it),
    // the demo resource server with a clock of its own, and the app's loopback redirect URI.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const app = await startTestApp({ port, env: { ISSUER: issuer } });
    t = app;
    expect(app.http).toBe(issuer);
    const demoClock = new TestClock();
    const api = await createDemoApp({ port: 0, issuer, audience: issuer }, { clock: demoClock, logger: ['error'] });
    demo = api;
    await api.listen(0, '127.0.0.1');
    const apiUrl = await api.getUrl();
    const cb = await startCallbackServer();
    callback = cb;

    // 2. A public client whose loopback redirect URI is registered without a port (RFC 8252 7.3).
    const client = await app.createClient({
      client_name: 'Demo notes app',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read write',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback'],
      access_token_lifetime: ACCESS_TOKEN_LIFETIME,
    });
    const alice = await app.createUser('alice', 'alice-password-1');

    // 3. The browser. Every request of the page is recorded; none may leave the loopback address
    // (and any that tried would be aborted rather than sent).
    browser = await launchBrowser();
    const { page, requested, pageErrors } = await loopbackPage(browser, UI_TIMEOUT);

    const pkce = pkcePair();
    const state = 'state-of-the-native-app';
    const authorize = `${issuer}${authorizeUrl({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: cb.redirectUri,
      scope: 'read write',
      state,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })}`;

    let query: URLSearchParams;
    try {
      // The sign-in page, with its stylesheet.
      const stylesheet = page.waitForResponse((r) => new URL(r.url()).pathname === '/oauth/assets/style.css');
      const login = await page.goto(authorize);
      expect(login?.status()).toBe(200);
      expect((await stylesheet).status()).toBe(200);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await page.title()).toBe('Sign in');
      await page.locator('main.card strong', { hasText: 'Demo notes app' }).waitFor();
      expect(await backgroundOf(page, 'body')).toBe(PAGE_BACKGROUND);
      expect(await backgroundOf(page, 'button.primary')).toBe(ACCENT);
      await page.screenshot({ path: artifactPath('login-page.png') });

      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password-1');
      // The form is posted back to the server, which signs alice in and sends the browser on (303).
      const signedIn = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/oauth/authorize/login',
      );
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await signedIn).status()).toBe(303);

      // The consent page names the client, the user and both scopes.
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      expect(new URL(page.url()).origin).toBe(issuer);
      const intro = await page.locator('main.card p').first().textContent();
      expect(intro?.replace(/\s+/g, ' ').trim()).toBe('Demo notes app asks to act on your behalf, alice, with:');
      expect(await page.locator('ul.scopes li').allTextContents()).toEqual(['read', 'write']);
      expect(await backgroundOf(page, 'body')).toBe(PAGE_BACKGROUND);
      expect(await backgroundOf(page, 'button.primary')).toBe(ACCENT);
      expect(await backgroundOf(page, 'button.secondary')).toBe('rgb(255, 255, 255)');
      await page.screenshot({ path: artifactPath('consent-page.png') });

      // Allow: the browser is sent to the app's loopback redirect URI.
      const redirected = cb.next();
      const decided = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/oauth/authorize/consent',
      );
      await page.getByRole('button', { name: 'Allow' }).click();
      const decision = await decided;
      expect(decision.status()).toBe(303);
      expect(decision.headers().location?.split('?')[0]).toBe(cb.redirectUri);
      query = await redirected;
      await page.waitForURL((url) => url.origin === `http://127.0.0.1:${cb.port}` && url.pathname === '/callback');
      await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    } catch (err) {
      await page.screenshot({ path: artifactPath('code-flow-failure.png'), fullPage: true }).catch(() => {});
      // Say what the browser shows (e.g. an error page of the server), not only what was awaited.
      const shown = await page
        .locator('body')
        .innerText({ timeout: 1000 })
        .catch(() => '(unreadable)');
      if (err instanceof Error) err.message += `\n\nThe browser shows ${page.url()}:\n${shown}`;
      throw err;
    }

    expect(query.get('state')).toBe(state);
    expect(query.get('iss')).toBe(issuer);
    const code = query.get('code')!;
    expect(code).toMatch(/^asac_[A-Za-z0-9_-]{43}$/);
    expect(cb.received).toHaveLength(1);

    expect(pageErrors).toEqual([]);
    expect(requested.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    const origins = new Set(requested.map((url) => new URL(url).origin));
    expect(origins).toEqual(new Set([issuer, `http://127.0.0.1:${cb.port}`]));
    expect(requested).toContain(`${issuer}/oauth/assets/style.css`);

    // 4. The app exchanges the code with its PKCE verifier (public client: client_id, no secret).
    const granted = await app.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: cb.redirectUri,
      client_id: client.client_id,
      code_verifier: pkce.verifier,
    });
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual(
      bearerTokenResponse('read write', { expiresIn: ACCESS_TOKEN_LIFETIME, refresh: true }),
    );

    // 5. The demo API knows alice by the access token.
    const profile = (token: string) => request(apiUrl).get('/api/profile').auth(token, { type: 'bearer' });
    const expectedProfile = { sub: alice.id, client_id: client.client_id, scope: 'read write' };
    const first = await profile(granted.body.access_token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(expectedProfile);

    // 6. The access token expires: both clocks move past its lifetime (the demo's past the
    // guard's clock tolerance as well), nobody sleeps.
    app.clock.advance(ACCESS_TOKEN_LIFETIME + 1);
    demoClock.advance(ACCESS_TOKEN_LIFETIME + RESOURCE_GUARD_CLOCK_TOLERANCE + 1);
    const expired = await profile(granted.body.access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(expired.body).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });

    // 7. The refresh token gets a new access token (and is rotated); the API answers again.
    const refreshed = await app.token({
      grant_type: 'refresh_token',
      refresh_token: granted.body.refresh_token,
      client_id: client.client_id,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual(
      bearerTokenResponse('read write', { expiresIn: ACCESS_TOKEN_LIFETIME, refresh: true }),
    );
    expect(refreshed.body.access_token).not.toBe(granted.body.access_token);
    expect(refreshed.body.refresh_token).not.toBe(granted.body.refresh_token);
    const again = await profile(refreshed.body.access_token);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(expectedProfile);
  }, 60_000);
});
