import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

const fail = (e: Error) => {
  throw e;
};

describe(SqliteCheckpointer.name, () => {
  let dir: string;
  let db: Database.Database;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
    path = join(dir, 'db.sqlite');
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // The serving connection never checkpoints by itself here: only the worker can.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, body TEXT)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = () => {
    const insert = db.prepare('INSERT INTO item (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run('x'.repeat(500));
    })();
  };

  it('copies committed WAL frames into the database file from its own thread', async () => {
    fill();
    const before = statSync(path).size;
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);

    const checkpointer = new SqliteCheckpointer(path, 'NORMAL', fail);
    await waitFor(() => statSync(path).size > 1_000_000);
    await checkpointer.stop();

    expect(before).toBeLessThan(100_000);
    expect(db.prepare('SELECT count(*) AS n FROM item').get()).toStrictEqual({ n: 2000 });
  });

  it('holds the process until it has stopped, though it does not hold it while running', async () => {
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    const before = ports();
    const checkpointer = new SqliteCheckpointer(path, 'NORMAL', fail);
    expect(ports()).toBe(before);
    const stopping = checkpointer.stop();
    expect(ports()).toBe(before + 1);
    await stopping;
    expect(ports()).toBe(before);
  });

  it('checkpoints what was committed before it stops', async () => {
    const checkpointer = new SqliteCheckpointer(path, 'NORMAL', fail);
    fill();
    await checkpointer.stop();
    expect(statSync(path).size).toBeGreaterThan(1_000_000);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
