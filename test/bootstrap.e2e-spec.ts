import { TEST_DIALECT } from './support/test-database.js';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { type TestApp, basic, startTestApp } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';

describe('bootstrap: admin client and migrations', () => {
  it('creates the admin client named by ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET, usable for client_credentials', async () => {
    const t = await startTestApp({ env: { ADMIN_CLIENT_ID: 'ops-admin', ADMIN_CLIENT_SECRET: 'x'.repeat(40) } });
    try {
      const res = await t.token({ grant_type: 'client_credentials' }, { id: 'ops-admin', secret: 'x'.repeat(40) });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('admin');
      const [row] = await t.app
        .get(DataSource)
        .query(`SELECT client_secret_hash FROM oauth_client WHERE client_id = 'ops-admin'`);
      expect(row.client_secret_hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await t.close();
    }
  });

  // The secret changes through the admin API, never by a restart (test/admin-client-bootstrap.e2e-spec.ts).
  it('leaves the secret of an existing admin client alone when ADMIN_CLIENT_SECRET changes', async () => {
    const database = await createTestDatabase();
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ database, env: { ADMIN_CLIENT_ID: 'ops', ADMIN_CLIENT_SECRET: 'a'.repeat(32) } });
      await t.close();
      t = await startTestApp({ database, env: { ADMIN_CLIENT_ID: 'ops', ADMIN_CLIENT_SECRET: 'b'.repeat(32) } });
      expect((await t.token({ grant_type: 'client_credentials' }, { id: 'ops', secret: 'a'.repeat(32) })).status).toBe(
        200,
      );
      expect((await t.token({ grant_type: 'client_credentials' }, { id: 'ops', secret: 'b'.repeat(32) })).status).toBe(
        401,
      );
    } finally {
      await t?.close();
      await database.drop();
    }
  });

  it('creates one admin client with random credentials on a database without one, printed once', async () => {
    const database = await createTestDatabase();
    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stderr.write;
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ database, env: { ADMIN_CLIENT_ID: '', ADMIN_CLIENT_SECRET: '' } });
      await t.close();
      t = await startTestApp({ database, env: { ADMIN_CLIENT_ID: '', ADMIN_CLIENT_SECRET: '' } });
      process.stderr.write = write;
      const banners = printed.join('').match(/ADMIN_CLIENT_ID=(\S+)\n\s+ADMIN_CLIENT_SECRET=(\S+)/g) ?? [];
      expect(banners).toHaveLength(1);
      const [, id, secret] = /ADMIN_CLIENT_ID=(\S+)\n\s+ADMIN_CLIENT_SECRET=(\S+)/.exec(
        banners[0] ?? '',
      )! as unknown as [string, string, string];
      expect(secret).toMatch(/^ascs_[A-Za-z0-9_-]{43}$/);
      const res = await t.token({ grant_type: 'client_credentials' }, basic({ client_id: id, client_secret: secret }));
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('admin');
    } finally {
      process.stderr.write = write;
      await t?.close();
      await database.drop();
    }
  });

  it('runs the migrations at start and records them', async () => {
    const t = await startTestApp();
    try {
      const rows = await t.app.get(DataSource).query('SELECT name FROM migrations ORDER BY timestamp');
      expect(rows.map((r: { name: string }) => r.name)).toEqual([
        expect.stringMatching(/^InitialSchema(Sqlite|Postgres)1764100000000$/),
        expect.stringMatching(/^AuthorizationCodeFlow(Sqlite|Postgres)1764200000000$/),
        expect.stringMatching(/^HousekeepingIndexes(Sqlite|Postgres)1764300000000$/),
        ...(TEST_DIALECT === 'postgres'
          ? ['HeapOnlyUpdatesPostgres1764400000000', 'BulkRevocationRoomPostgres1764500000000']
          : []),
        expect.stringMatching(/^RefreshTokenLookupById(Sqlite|Postgres)1764600000000$/),
        'TokenStanding1764700000000',
        expect.stringMatching(/^AuthorizationCodeRedirectUriSent(Sqlite|Postgres)1764800000000$/),
        'SigningKeyRotation1764900000000',
        'ClientKeys1765100000000',
        expect.stringMatching(/^DpopBinding(Sqlite|Postgres)1765200000000$/),
        'DeviceAuthorization1765300000000',
        expect.stringMatching(/^SecurityEvents(Sqlite|Postgres)1765400000000$/),
        expect.stringMatching(/^FamilyLineage(Sqlite|Postgres)1765500000000$/),
        ...(TEST_DIALECT === 'sqlite' ? ['KeysNotNullSqlite1765600000000'] : []),
      ]);
      if (TEST_DIALECT === 'postgres') {
        const options = await t.app
          .get(DataSource)
          .query(
            `SELECT relname, reloptions FROM pg_class WHERE relname IN ('refresh_token', 'refresh_token_family') ORDER BY relname`,
          );
        expect(options).toEqual([
          { relname: 'refresh_token', reloptions: ['fillfactor=50'] },
          { relname: 'refresh_token_family', reloptions: ['fillfactor=90'] },
        ]);
      }
      // Decision 9: SQLite finds tokens by primary key, with a hash index for tokens of the old shape only;
      // PostgreSQL keeps finding them by the unique token_hash.
      const indexes = await t.app
        .get(DataSource)
        .query(
          TEST_DIALECT === 'postgres'
            ? `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'refresh_token' AND indexname NOT LIKE '%pkey'`
            : `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'refresh_token' AND sql IS NOT NULL`,
        );
      expect(indexes.map((r: { name: string }) => r.name).sort()).toEqual([
        'idx_refresh_token_client',
        'idx_refresh_token_family',
        'idx_refresh_token_issued',
        'idx_refresh_token_subject',
        TEST_DIALECT === 'postgres' ? 'uq_refresh_token_hash' : 'uq_refresh_token_legacy_hash',
      ]);
    } finally {
      await t.close();
    }
  });

  it('keeps authenticating clients after another app in the same process started and stopped', async () => {
    const first = await startTestApp();
    try {
      const client = await first.createClient({ grant_types: ['client_credentials'], scope: 'read' });
      const other = await startTestApp();
      await other.close();
      expect((await first.token({ grant_type: 'client_credentials' }, basic(client))).status).toBe(200);
      const admin = await first.adminToken();
      expect(admin).toEqual(expect.any(String));
      const res = await request(first.http).get('/admin/clients').set('authorization', `Bearer ${admin}`);
      expect(res.status).toBe(200);
    } finally {
      await first.close();
    }
  });
});
