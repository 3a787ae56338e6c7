#!/usr/bin/env node
// node bench/sqlite-lookup.mjs: what finding one presented refresh token costs on SQLite (decision 17).
// Migrates a fresh database with the app's own migrations (dist/, so `npm run build` first), seeds
// BENCH_LOOKUP_TOKENS families with their first token and user (bench/lib/seed.mjs, the app's shapes),
// then times, over the same random tokens and in rotating order:
//   - the app's lookup (SqliteRefreshTokenRepository.find, as the token endpoint calls it);
//   - the same three-table statement with bare parameters (`t.id = $id`), the form decision 17 replaced;
//   - the primary-key entry alone (`SELECT id ... WHERE id = ?`), the floor of any lookup by id.
// Prints microseconds per lookup (median and best of BENCH_LOOKUP_PASSES passes). Run it on Node.js 24
// (node_modules/.bin/node): better-sqlite3 13 does not load on Node.js 20.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freshDatabase } from './lib/db.mjs';
import { mintRefreshTokens } from './lib/seed.mjs';
import { createDataSource, dataSourceOptions } from '../dist/libs/persistence/src/index.js';
import { SqliteRefreshTokenRepository } from '../dist/libs/persistence/src/repositories/sqlite-refresh-token.repository.js';
import { SELECT_TOKEN_WITH_FAMILY } from '../dist/libs/persistence/src/repositories/refresh-token.sql.js';
import { refreshTokenKey } from '../dist/libs/oauth/src/index.js';

const print = (line) => process.stdout.write(`${line}\n`);
const tokens = Number(process.env.BENCH_LOOKUP_TOKENS ?? 100_000);
const passes = Number(process.env.BENCH_LOOKUP_PASSES ?? 9);
const sample = Number(process.env.BENCH_LOOKUP_SAMPLE ?? 5_000);

const tmp = mkdtempSync(join(tmpdir(), 'as-lookup-'));
try {
  const target = await freshDatabase('sqlite-normal', tmp, {});
  const ds = createDataSource(
    dataSourceOptions({ target: { type: 'sqlite', path: target.file }, poolSize: 1, sqliteSynchronous: 'NORMAL' }),
  );
  await ds.initialize(); // runs the migrations
  await ds.destroy();
  const handle = await target.open();
  const client = {
    client_id: 'bench-lookup',
    scope: 'api:read',
    refresh_token_absolute_lifetime: 86_400,
    refresh_token_idle_lifetime: 3_600,
  };
  const t0 = Date.now();
  const values = await mintRefreshTokens(handle, client, tokens);
  await handle.close(); // the timings run on a connection of their own, as the server's one
  print(`seeded ${tokens.toLocaleString('en')} families in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const db = new Database(target.file);
  db.pragma('synchronous = NORMAL');
  const repository = new SqliteRefreshTokenRepository(db);
  const bare = db.prepare(`${SELECT_TOKEN_WITH_FAMILY} WHERE t.id = @id AND t.token_hash = @hash`);
  const keyOnly = db.prepare('SELECT id FROM refresh_token WHERE id = ?');
  const keys = Array.from({ length: sample }, () => refreshTokenKey(values[Math.floor(Math.random() * values.length)]));

  const forms = {
    'the app (find)': async () => {
      for (const key of keys) if (!(await repository.find(key))) throw new Error('a seeded token was not found');
    },
    'bare parameters': async () => {
      for (const key of keys) if (!bare.get({ id: key.id, hash: key.hash })) throw new Error('not found');
    },
    'primary key alone': async () => {
      for (const key of keys) if (!keyOnly.get(key.id)) throw new Error('not found');
    },
  };
  const times = Object.fromEntries(Object.keys(forms).map((name) => [name, []]));
  for (let pass = 0; pass < passes; pass += 1) {
    const names = Object.keys(forms);
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(pass + i) % names.length];
      const start = process.hrtime.bigint();
      await forms[name]();
      times[name].push(Number(process.hrtime.bigint() - start) / keys.length / 1000);
    }
  }
  print(`${sample.toLocaleString('en')} random lookups per pass, ${passes} passes, Node.js ${process.version}`);
  for (const [name, t] of Object.entries(times)) {
    t.sort((a, b) => a - b);
    print(
      `${name.padEnd(20)} median ${t[t.length >> 1].toFixed(1).padStart(6)} µs   best ${t[0].toFixed(1).padStart(6)} µs`,
    );
  }
  db.close();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
