// Fresh databases per variant (a SQLite file under the run's temp folder, or a PostgreSQL database
// created and dropped here), bulk inserts, and the checks run against them.
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { baseVariant } from './config.mjs';

/** Column types, for PostgreSQL's unnest() casts. Rows are arrays in this column order. */
export const FAMILY_COLUMNS = [
  ['id', 'text'],
  ['client_id', 'text'],
  ['subject', 'text'],
  ['scope', 'text'],
  ['created_at', 'int8'],
  ['expires_at', 'int8'],
  ['revoked_at', 'int8'],
  ['revoked_reason', 'text'],
];
/** The users the minted families belong to: the refresh grant checks the family's user in the statement that rotates. */
export const USER_COLUMNS = [
  ['id', 'text'],
  ['username', 'text'],
  ['password_hash', 'text'],
  ['created_at', 'int8'],
  ['updated_at', 'int8'],
];
export const TOKEN_COLUMNS = [
  ['id', 'text'],
  ['family_id', 'text'],
  ['parent_id', 'text'],
  ['client_id', 'text'],
  ['subject', 'text'],
  ['token_hash', 'text'],
  ['scope', 'text'],
  ['issued_at', 'int8'],
  ['expires_at', 'int8'],
  ['used_at', 'int8'],
  ['last_used_at', 'int8'],
  ['revoked_at', 'int8'],
  ['revoked_reason', 'text'],
];

export function sqliteVersion() {
  const db = new Database(':memory:');
  try {
    return db.prepare('select sqlite_version() AS v').get().v;
  } finally {
    db.close();
  }
}

export async function postgresVersion(adminUrl) {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await c.end();
  }
}

/** PostgreSQL databases created by this process, for unique names. */
let databases = 0;

/**
 * A fresh database for `variant`: { url (DATABASE_URL for the server), sqliteSynchronous,
 * open() -> handle, drop() }.
 */
export async function freshDatabase(variant, tmpDir, cfg) {
  const kind = baseVariant(variant);
  if (kind.startsWith('sqlite')) {
    const file = join(tmpDir, `${variant.replace(':', '-')}.sqlite`);
    return {
      variant,
      dialect: 'sqlite',
      file,
      url: `sqlite:${file}`,
      sqliteSynchronous: kind === 'sqlite-full' ? 'FULL' : 'NORMAL',
      open: async () => openSqlite(file),
      drop: async () => {},
    };
  }
  databases += 1; // two variants in one millisecond still get two databases
  const name = `bench_${process.pid}_${Date.now().toString(36)}_${databases}`;
  const admin = new pg.Client({ connectionString: cfg.pgUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(cfg.pgUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    variant,
    dialect: 'postgres',
    name,
    url: url.toString(),
    open: async () => openPostgres(url.toString()),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      const c = new pg.Client({ connectionString: cfg.pgUrl, connectionTimeoutMillis: 5000 });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

function openSqlite(file) {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  const stmts = new Map();
  const prepared = (sql) => {
    let s = stmts.get(sql);
    if (!s) stmts.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    dialect: 'sqlite',
    /** `?` placeholders. */
    async all(sql, params = []) {
      return prepared(sql).all(...params);
    },
    async exec(sql) {
      db.exec(sql);
    },
    async insertRows(table, columns, rows) {
      const sql = `INSERT INTO ${table} (${columns.map((c) => c[0]).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
      const stmt = prepared(sql);
      db.transaction(() => {
        for (const r of rows) stmt.run(...r);
      })();
    },
    /** Several inserts in one transaction. */
    async insertMany(batches) {
      db.transaction(() => {
        for (const [table, columns, rows] of batches) {
          const stmt = prepared(
            `INSERT INTO ${table} (${columns.map((c) => c[0]).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          );
          for (const r of rows) stmt.run(...r);
        }
      })();
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgres(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  const insertSql = (table, columns) =>
    `INSERT INTO ${table} (${columns.map((x) => x[0]).join(', ')}) SELECT * FROM unnest(${columns
      .map((x, i) => `$${i + 1}::${x[1]}[]`)
      .join(', ')})`;
  const insert = async (table, columns, rows) => {
    const BATCH = 10_000;
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH);
      await c.query(
        insertSql(table, columns),
        columns.map((_, j) => chunk.map((r) => r[j])),
      );
    }
  };
  return {
    dialect: 'postgres',
    /** `?` placeholders, rewritten to $n. */
    async all(sql, params = []) {
      let i = 0;
      return (
        await c.query(
          sql.replace(/\?/g, () => `$${++i}`),
          params,
        )
      ).rows;
    },
    async exec(sql) {
      await c.query(sql);
    },
    async insertRows(table, columns, rows) {
      await c.query('BEGIN');
      try {
        await insert(table, columns, rows);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    },
    async insertMany(batches) {
      await c.query('BEGIN');
      try {
        for (const [table, columns, rows] of batches) await insert(table, columns, rows);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    },
    async close() {
      await c.end();
    },
  };
}
