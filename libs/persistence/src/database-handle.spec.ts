import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource } from './database-handle.js';
import { dataSourceOptions } from './data-source-options.js';
import { RefreshTokenFamilyEntity } from './entities/index.js';

describe('createDataSource on SQLite', () => {
  let dir: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'as-handle-'));
    dataSource = await createDataSource(
      dataSourceOptions({
        target: { type: 'sqlite', path: join(dir, 'db.sqlite') },
        poolSize: 1,
        sqliteSynchronous: 'NORMAL',
      }),
    ).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const since = (at: number) =>
    dataSource
      .getRepository(RefreshTokenFamilyEntity)
      .createQueryBuilder('f')
      .select('f.id', 'id')
      .where('f.created_at > :at AND f.client_id = :client', { at, client: 'c' })
      .orderBy('f.id');

  it('binds integer parameters instead of writing them into the SQL, so one shape is one statement', () => {
    const [first, firstParams] = since(1_796_513_059_169).getQueryAndParameters();
    const [second, secondParams] = since(1_796_513_059_170).getQueryAndParameters();
    expect(first).toBe(second);
    expect(first).not.toContain('1796513059169');
    expect(firstParams).toEqual([1_796_513_059_169n, 'c']);
    expect(secondParams).toEqual([1_796_513_059_170n, 'c']);
  });

  it('compares the bound integers as the inlined ones were compared', async () => {
    // Only the families matter here: their client and user rows are left out.
    await dataSource.query('PRAGMA foreign_keys = OFF');
    for (const [id, createdAt] of [
      ['a', 1_000],
      ['b', 2_000],
      ['c', 3_000],
    ] as const)
      await dataSource.query(
        `INSERT INTO refresh_token_family (id, client_id, subject, scope, created_at, expires_at, user_epoch)
         VALUES (?, 'c', 'u', 'read', ?, ?, 0)`,
        [id, createdAt, createdAt + 1_000],
      );
    expect((await since(1_500).getRawMany()).map((r: { id: string }) => r.id)).toEqual(['b', 'c']);
    expect((await since(2_000).getRawMany()).map((r: { id: string }) => r.id)).toEqual(['c']);
    // A fraction is no integer: it is left as TypeORM writes it, and compares the same way.
    expect((await since(2_999.5).getRawMany()).map((r: { id: string }) => r.id)).toEqual(['c']);
  });
});

describe('createDataSource on PostgreSQL', () => {
  it('leaves the driver alone: it binds numbers already', () => {
    const dataSource = createDataSource(
      dataSourceOptions({
        target: { type: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' },
        poolSize: 1,
        sqliteSynchronous: 'NORMAL',
      }),
    );
    const [sql, params] = dataSource.driver.escapeQueryWithParameters('SELECT :n', { n: 5 });
    expect(sql).toBe('SELECT $1');
    expect(params).toEqual([5]);
  });
});
