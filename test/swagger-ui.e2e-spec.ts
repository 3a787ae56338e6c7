import type { Browser, Locator, Page, Response } from 'playwright-core';
import request from 'supertest';
import { artifactPath, freePort, launchBrowser } from './support/browser.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestApp, basic, startTestApp } from './support/test-app.js';

/**
 * Swagger UI at /docs, driven in a real (headless) Chromium: authorize with the admin client
 * through the OAuth2 client-credentials flow, list refresh tokens, revoke one, and check through
 * the token endpoint that the revocation is real. Every request of the page goes to the app.
 */
describe('Swagger UI in a browser', () => {
  const UI_TIMEOUT = 20_000;
  let origin: string;
  let t: TestApp;
  let browser: Browser | undefined;
  let page: Page;
  /** Requests the page tried to send anywhere but the app (aborted). */
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  type Client = { client_id: string; client_secret?: string };
  let client: Client;
  let otherClient: Client;
  /** The refresh token revoked through the UI, and one of another client that must survive. */
  let target: { id: string; refresh_token: string };
  let survivor: { refresh_token: string };

  const passwordGrant = async (c: Client): Promise<string> => {
    const res = await t.token(
      { grant_type: 'password', username: 'alice', password: 'alice-password-1', scope: 'read' },
      basic(c),
    );
    expect(res.status).toBe(200);
    return res.body.refresh_token as string;
  };

  beforeAll(async () => {
    // The OAuth2 tokenUrl in the OpenAPI document is `${ISSUER}/oauth/token`: the issuer must be
    // the very origin the browser loads /docs from, so the port is picked before the app starts.
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await startTestApp({ port, env: { ISSUER: origin } });
    expect(t.http).toBe(origin);

    client = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    otherClient = await t.createClient({ grant_types: ['password', 'refresh_token'], scope: 'read' });
    await t.createUser('alice', 'alice-password-1');
    const refreshToken = await passwordGrant(client);
    survivor = { refresh_token: await passwordGrant(otherClient) };

    // The admin API never shows token values: the id is found by the client that holds it.
    const listed = await request(t.http)
      .get('/admin/refresh-tokens')
      .query({ client_id: client.client_id })
      .set('Authorization', `Bearer ${await t.adminToken()}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    target = { id: listed.body.items[0].id, refresh_token: refreshToken };

    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      foreignRequests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, 60_000);

  /** The operation block of one route, e.g. ('get', '/admin/refresh-tokens'). */
  const operation = (method: string, path: string): Locator =>
    page
      .locator(`.opblock.opblock-${method}`)
      .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });

  /** Expands an operation and switches it to "Try it out". */
  const tryItOut = async (op: Locator): Promise<void> => {
    await op.locator('.opblock-summary').first().click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').waitFor();
  };

  /** Clicks Execute and returns the app's answer to the request the page sent. */
  const execute = async (op: Locator, method: string, path: RegExp): Promise<Response> => {
    const answered = page.waitForResponse(
      (r) => r.request().method() === method && path.test(new URL(r.url()).pathname),
    );
    await op.locator('button.execute').click();
    return answered;
  };

  /** Waits until the live (server) response on the page shows this status code. */
  const liveStatus = (op: Locator, status: number): Promise<void> =>
    op
      .locator('.live-responses-table .response-col_status')
      .filter({ hasText: new RegExp(`^\\s*${status}\\s*$`) })
      .waitFor();

  /** The "Server response" part of an operation: curl, request URL, code, body and headers. */
  const liveResponse = (op: Locator): Locator =>
    op.locator('.responses-inner > div').filter({ has: page.locator('.live-responses-table') });

  it('authorizes with the admin client, lists refresh tokens and revokes one', async () => {
    try {
      await page.goto(`${origin}/docs`);
      await page
        .locator('.swagger-ui .info .title')
        .filter({ hasText: 'Refresh-token authorization server' })
        .waitFor();

      // Authorize: the admin_oauth2 scheme, client-credentials flow, scope admin.
      await page.locator('.auth-wrapper button.authorize').click();
      const dialog = page.locator('.dialog-ux .modal-ux');
      await dialog.waitFor();
      // One section per scheme and flow: the client-credentials flow of admin_oauth2.
      const scheme = dialog
        .locator('.auth-container')
        .filter({ has: page.locator('h4', { hasText: 'admin_oauth2 (OAuth2, clientCredentials)' }) });
      await scheme.locator('input[id^="client_id"]').fill(ADMIN_CLIENT_ID);
      await scheme.locator('input[id^="client_secret"]').fill(ADMIN_CLIENT_SECRET);
      const adminScope = scheme.locator('input[type="checkbox"][data-value="admin"]');
      if (!(await adminScope.isChecked())) {
        await scheme.locator(`label[for="${await adminScope.getAttribute('id')}"]`).click();
      }
      expect(await adminScope.isChecked()).toBe(true);
      const tokenAnswered = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/oauth/token',
      );
      await scheme.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
      const tokenResponse = await tokenAnswered;
      expect(tokenResponse.status()).toBe(200);
      expect(new URLSearchParams(tokenResponse.request().postData() ?? '').get('grant_type')).toBe(
        'client_credentials',
      );
      expect(await tokenResponse.json()).toMatchObject({ token_type: 'Bearer', scope: 'admin' });
      await scheme
        .locator('h6')
        .filter({ hasText: /^Authorized$/ })
        .waitFor();
      await scheme.getByRole('button', { name: 'Remove authorization' }).waitFor();
      expect(await scheme.locator('.errors').count()).toBe(0);
      // The dialog scrolls inside itself: bring the admin_oauth2 section to its top for the picture.
      await scheme.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await dialog.screenshot({ path: artifactPath('swagger-ui-authorized.png') });
      await scheme.locator('button.btn-done').click();
      await dialog.waitFor({ state: 'detached' });

      // GET /admin/refresh-tokens: the page shows 200 and the token created above.
      const list = operation('get', '/admin/refresh-tokens');
      await tryItOut(list);
      const listResponse = await execute(list, 'GET', /^\/admin\/refresh-tokens$/);
      expect(listResponse.status()).toBe(200);
      expect((await listResponse.request().allHeaders()).authorization).toMatch(/^Bearer \S+$/);
      await liveStatus(list, 200);
      const listBody = liveResponse(list).locator('.response-col_description .highlight-code').first();
      await listBody.filter({ hasText: target.id }).waitFor();
      const shown = JSON.parse((await listBody.locator('pre').first().textContent()) ?? '');
      expect(shown.items.map((item: { id: string }) => item.id)).toContain(target.id);
      expect(shown.items.find((item: { id: string }) => item.id === target.id)).toMatchObject({
        client_id: client.client_id,
        status: 'active',
      });
      await liveResponse(list).screenshot({ path: artifactPath('swagger-ui-list.png') });

      // DELETE /admin/refresh-tokens/{id}: the page shows 204.
      const revoke = operation('delete', '/admin/refresh-tokens/{id}');
      await tryItOut(revoke);
      await revoke.locator('tr[data-param-name="id"] input').fill(target.id);
      const revokeResponse = await execute(revoke, 'DELETE', new RegExp(`^/admin/refresh-tokens/${target.id}$`));
      expect(revokeResponse.status()).toBe(204);
      await liveStatus(revoke, 204);
      await revoke.locator('.request-url pre').filter({ hasText: target.id }).waitFor();
      await liveResponse(revoke).screenshot({ path: artifactPath('swagger-ui-revoke-204.png') });
    } catch (err) {
      await page.screenshot({ path: artifactPath('swagger-ui-failure.png'), fullPage: true }).catch(() => {});
      throw err;
    }

    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);

    // Through the API, not the browser: the revoked token is dead, the other family is not.
    const refused = await t.token({ grant_type: 'refresh_token', refresh_token: target.refresh_token }, basic(client));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    const survived = await t.token(
      { grant_type: 'refresh_token', refresh_token: survivor.refresh_token },
      basic(otherClient),
    );
    expect(survived.status).toBe(200);
  }, 60_000);
});
