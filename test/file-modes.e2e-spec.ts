/**
 * The SQLite database holds the private signing key: its directory, database file, -wal and -shm are
 * private to the server's user whatever the umask. The server-level checks need a SQLite file and run
 * with TEST_DATABASE=sqlite; the file preparation itself (dataSourceOptions) is checked on both runs.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '#config';
import { dataSourceOptions } from '#persistence';
import { startTestApp } from './support/test-app.js';
import { TEST_DIALECT, type TestDatabase } from './support/test-database.js';

const modeOf = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`;

function sqliteConfig(path: string): DatabaseConfig {
  return { target: { type: 'sqlite', path }, poolSize: 1, sqliteSynchronous: 'FULL' };
}

/** Runs `fn` under umask 0, the worst case: modes then come from the code alone. */
async function withOpenUmask<T>(fn: () => Promise<T> | T): Promise<T> {
  const previous = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

describe('SQLite file modes: the database holds the signing key', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'as-modes-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the data directories 0700 and the database file 0600 before SQLite opens it, whatever the umask', async () => {
    const rootMode = modeOf(root);
    const file = join(root, 'data', 'nested', 'authorization-server.sqlite');
    await withOpenUmask(() => dataSourceOptions(sqliteConfig(file)));
    expect({
      root: modeOf(root),
      data: modeOf(join(root, 'data')),
      nested: modeOf(join(root, 'data', 'nested')),
      file: modeOf(file),
      size: statSync(file).size,
    }).toEqual({ root: rootMode, data: '0700', nested: '0700', file: '0600', size: 0 });
  });

  it('brings existing database, -wal and -shm files to 0600, and leaves an existing directory alone', async () => {
    chmodSync(root, 0o755);
    const file = join(root, 'db.sqlite');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) writeFileSync(f, 'x', { mode: 0o644 });
    chmodSync(file, 0o666);
    dataSourceOptions(sqliteConfig(file));
    expect([file, `${file}-wal`, `${file}-shm`, root].map(modeOf)).toEqual(['0600', '0600', '0600', '0755']);
    expect(statSync(file).size).toBe(1);
  });

  it('touches no file for PostgreSQL or an in-memory SQLite database', () => {
    dataSourceOptions({
      target: { type: 'postgres', url: 'postgres://x@127.0.0.1/db' },
      poolSize: 1,
      sqliteSynchronous: 'FULL',
    });
    dataSourceOptions(sqliteConfig(':memory:'));
    expect(readdirSync(root)).toEqual([]);
  });

  if (TEST_DIALECT === 'sqlite') {
    // Needs a SQLite file: with TEST_DATABASE=postgres the server keeps its data in PostgreSQL.
    it('runs the server with a private directory and private database, -wal and -shm files', async () => {
      const dir = join(root, 'data');
      const file = join(dir, 'as.sqlite');
      const database: TestDatabase = { url: `sqlite:${file}`, drop: async () => {} };
      const files = [file, `${file}-wal`, `${file}-shm`];

      let t = await withOpenUmask(() => startTestApp({ database }));
      try {
        await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
        expect(files.map(existsSync)).toEqual([true, true, true]);
        expect([dir, ...files].map(modeOf)).toEqual(['0700', '0600', '0600', '0600']);
      } finally {
        await t.close();
      }

      // Files left world-readable by an earlier version are made private at the next start.
      for (const f of files.filter(existsSync)) chmodSync(f, 0o644);
      t = await startTestApp({ database });
      try {
        const client = await t.createClient({ grant_types: ['client_credentials'], scope: 'read' });
        expect(client.client_id).toEqual(expect.any(String));
        expect(files.map(modeOf)).toEqual(['0600', '0600', '0600']);
      } finally {
        await t.close();
      }
    });
  }
});
