import type { INestApplication } from '@nestjs/common';
import { createServer } from 'node:net';
import { createDemoApp } from '../../apps/demo-resource-server/src/create-demo-app.js';
import type { TestClock } from './test-app.js';

/** A port free on 127.0.0.1 now: an issuer URL must be known before its server listens. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The demo resource server trusting `issuer` (its JWKS fetched from there), listening on any free port. */
export async function startDemo(issuer: string, clock: TestClock): Promise<{ demo: INestApplication; api: string }> {
  const demo = await createDemoApp({ port: 0, issuer, audience: issuer }, { clock, logger: ['error'] });
  await demo.listen(0, '127.0.0.1');
  return { demo, api: await demo.getUrl() };
}
