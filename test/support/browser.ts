import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
