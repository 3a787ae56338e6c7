import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { FAILURE_BURST } from '../apps/authorization-server/src/clients/auth-failure-monitor.js';
import { JsonLogger } from '../apps/authorization-server/src/logging/json-logger.js';
import { type TestApp, startTestApp, startTwoInstances } from './support/test-app.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** Every line a server logs. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/** POST /oauth/token with a wrong secret; answers the status and the error code. */
async function wrongSecret(app: TestApp, clientId: string): Promise<{ status: number; error: string }> {
  const res = await app.token({ grant_type: 'client_credentials' }, { id: clientId, secret: 'not-the-secret' });
  return { status: res.status, error: res.body.error };
}

const refused = { status: 401, error: 'invalid_client' };

async function burstEvents(app: TestApp, clientId: string): Promise<Array<{ actor: string; reason: string }>> {
  return app.app
    .get(DataSource)
    .createQueryBuilder()
    .select(['e.actor AS actor', 'e.reason AS reason'])
    .from('audit_event', 'e')
    .where('e.action = :action AND e.target_id = :id', { action: 'client.authentication_failures', id: clientId })
    .getRawMany();
}

describe('failed client authentication bursts across instances', () => {
  describe('two instances sharing one database and Redis (REDIS_URL)', () => {
    let a: TestApp;
    let b: TestApp;
    /** Client ids of this run only: Redis outlives the test databases and is shared with parallel runs. */
    const run = randomBytes(6).toString('hex');
    const used: string[] = [];

    beforeAll(async () => {
      [a, b] = await startTwoInstances({ REDIS_URL });
    });
    afterAll(async () => {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        if (used.length > 0) await redis.del(...used.map((id) => `rl:authfail:client:${id}`));
      } finally {
        redis.disconnect();
      }
      await b.close();
      await a.close();
    });

    async function client(name: string): Promise<string> {
      const { client_id } = await a.createClient({
        client_id: `afm-${name}-${run}`,
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      used.push(client_id);
      return client_id;
    }

    it('records one audit event for a burst split across both instances, where neither alone reaches the count', async () => {
      const id = await client('split');
      // a sees 3 failures, b sees 2: only a shared count reaches 5.
      const order = [a, b, a, b, a];
      expect(order).toHaveLength(FAILURE_BURST.count);
      for (const app of order.slice(0, -1)) expect(await wrongSecret(app, id)).toEqual(refused);
      expect(await burstEvents(a, id)).toEqual([]);
      expect(await wrongSecret(order.at(-1)!, id)).toEqual(refused);
      expect(await burstEvents(b, id)).toEqual([
        { actor: 'system', reason: `${FAILURE_BURST.count} failed client authentications within 60 s` },
      ]);
      // Later failures of the same window, on either instance, add nothing.
      for (const app of [b, a, b, a, b, a]) expect(await wrongSecret(app, id)).toEqual(refused);
      expect(await burstEvents(a, id)).toHaveLength(1);
    });

    it('records exactly one audit event for concurrent failures on both instances', async () => {
      const id = await client('concurrent');
      const results = await Promise.all(
        Array.from({ length: 4 * FAILURE_BURST.count }, (_, i) => wrongSecret(i % 2 === 0 ? a : b, id)),
      );
      expect(results).toEqual(results.map(() => refused));
      expect(await burstEvents(a, id)).toHaveLength(1);
    });

    it('counts each client on its own', async () => {
      const [first, second] = [await client('first'), await client('second')];
      for (let i = 0; i < FAILURE_BURST.count - 1; i++) {
        await wrongSecret(i % 2 === 0 ? a : b, first);
        await wrongSecret(i % 2 === 0 ? b : a, second);
      }
      expect([await burstEvents(a, first), await burstEvents(a, second)]).toEqual([[], []]);
      await wrongSecret(b, second);
      expect([(await burstEvents(a, first)).length, (await burstEvents(a, second)).length]).toEqual([0, 1]);
    });
  });

  it('answers 401, not a server error, and logs a warning without secrets when Redis does not answer', async () => {
    const capture = new Capture();
    const t = await startTestApp({
      env: { REDIS_URL: 'redis://:redis-password@127.0.0.1:1' },
      logger: new JsonLogger('warn', capture),
    });
    try {
      const { client_id } = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      for (let i = 0; i < FAILURE_BURST.count + 1; i++) expect(await wrongSecret(t, client_id)).toEqual(refused);
      expect(await burstEvents(t, client_id)).toEqual([]);
      const warnings = capture.lines.filter((line) => line.includes('was not counted'));
      expect(warnings).toHaveLength(FAILURE_BURST.count + 1);
      for (const line of warnings) {
        expect(JSON.parse(line)).toMatchObject({ level: 'warn', context: 'AuthFailureMonitor' });
        expect(line).not.toMatch(/redis-password|not-the-secret|redis:\/\//);
      }
    } finally {
      await t.close();
    }
  });
});
