import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BATCH, SqliteWriteBatch } from './sqlite-write-batch.js';

describe(SqliteWriteBatch.name, () => {
  let dir: string;
  let writer: Database.Database;
  let reader: Database.Database;
  let batch: SqliteWriteBatch;
  const insert = (id: number) => writer.prepare('INSERT INTO item (id) VALUES (?)').run(id);
  const committed = () =>
    (reader.prepare('SELECT id FROM item ORDER BY id').all() as { id: number }[]).map((r) => r.id);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'write-batch-'));
    writer = new Database(join(dir, 'db.sqlite'));
    writer.pragma('journal_mode = WAL');
    writer.pragma('foreign_keys = ON');
    writer.exec(`CREATE TABLE item (id INTEGER PRIMARY KEY);
      CREATE TABLE ref (item_id INTEGER REFERENCES item (id) DEFERRABLE INITIALLY DEFERRED)`);
    reader = new Database(join(dir, 'db.sqlite'), { readonly: true });
    batch = new SqliteWriteBatch(writer);
  });
  afterEach(() => {
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the units queued in one turn of the event loop in one transaction', async () => {
    const seenByOthers: number[][] = [];
    const results = await Promise.all([
      batch.run(() => insert(1).changes),
      batch.run(() => {
        // Another connection does not see the first unit yet: it is not committed on its own.
        seenByOthers.push(committed());
        return insert(2).changes;
      }),
    ]);

    expect(results).toStrictEqual([1, 1]);
    expect(seenByOthers).toStrictEqual([[]]);
    expect(committed()).toStrictEqual([1, 2]);
  });

  it('settles each promise only after the commit', async () => {
    await batch.run(() => insert(7));
    expect(committed()).toStrictEqual([7]);
  });

  it('rolls back a unit that throws, alone, and rejects only its promise', async () => {
    const outcomes = await Promise.allSettled([
      batch.run(() => insert(1)),
      batch.run(() => {
        insert(2);
        insert(1); // primary key violation: unit 2 is undone, including its first insert
      }),
      batch.run(() => insert(3)),
    ]);

    expect(outcomes.map((o) => o.status)).toStrictEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(committed()).toStrictEqual([1, 3]);
  });

  it('when the COMMIT fails, runs each unit again alone: only the faulty one fails', async () => {
    const outcomes = await Promise.allSettled([
      batch.run(() => insert(1)),
      // A deferred foreign key is checked at COMMIT: the round fails there, then this unit alone.
      batch.run(() => writer.prepare('INSERT INTO ref (item_id) VALUES (99)').run()),
      batch.run(() => insert(2)),
    ]);

    expect(outcomes.map((o) => o.status)).toStrictEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(committed()).toStrictEqual([1, 2]);
    expect(reader.prepare('SELECT count(*) AS n FROM ref').get()).toStrictEqual({ n: 0 });
  });

  it('re-runs units after a rollback with the state they depend on, so none applies twice', async () => {
    const mark = writer.prepare('UPDATE item SET id = id WHERE id = ?');
    insert(10);
    let runs = 0;
    const outcomes = await Promise.allSettled([
      batch.run(() => {
        runs += 1;
        // Conditional on the current state, like a rotation: true only if row 10 is still there.
        if (mark.run(10).changes !== 1) return false;
        writer.prepare('DELETE FROM item WHERE id = 10').run();
        return true;
      }),
      batch.run(() => insert(10)), // valid only after the first unit's delete: it sees that state both times
      batch.run(() => {
        throw new Error('faulty');
      }),
    ]);

    expect(runs).toBe(2);
    expect(outcomes.map((o) => o.status)).toStrictEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[0] as PromiseFulfilledResult<boolean>).value).toBe(true);
    expect(committed()).toStrictEqual([10]);
  });

  it('splits a long queue into rounds of at most MAX_BATCH units, all committed', async () => {
    const inRound: number[] = [];
    const count = MAX_BATCH * 2 + 3;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        batch.run(() => {
          inRound.push(committed().length);
          return insert(i + 1);
        }),
      ),
    );

    expect(committed()).toHaveLength(count);
    // What other connections saw while each unit ran: the earlier rounds only.
    expect(new Set(inRound)).toStrictEqual(new Set([0, MAX_BATCH, MAX_BATCH * 2]));
  });
});
