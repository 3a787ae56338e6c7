import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Debian's Chromium: no browser is ever downloaded, and nothing may reach the network. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const ARTIFACTS_DIR = 'test-artifacts';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * A port that was free a moment ago. The app must know its own URL before it starts (the
 * OAuth2 tokenUrl of the OpenAPI document is `${ISSUER}/oauth/token`), so the port is chosen first.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** The path of a screenshot under test-artifacts/ (git-ignored), creating the folder. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/**
 * A page that may reach 127.0.0.1 only (any other request is aborted, never sent), with every URL it
 * requested and every error it raised (script errors, and console errors such as CSP violations).
 */
export async function loopbackPage(
  browser: Browser,
  timeoutMs: number,
): Promise<{ page: Page; requested: string[]; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 800, height: 720 } });
  await context.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  const requested: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // A CSP violation (e.g. a refused stylesheet) is reported on the console as an error.
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  return { page, requested, pageErrors };
}
