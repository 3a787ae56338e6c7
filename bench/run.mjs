#!/usr/bin/env node
// npm run bench: the performance suite of the authorization server, side by side with the peers of
// ../shared/peer-bench, written to docs/benchmarks.md and docs/benchmarks.json.
// Settings: bench/README.md. Loopback only; every load run and loop is bounded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminToken } from './lib/app.mjs';
import { ROOT, benchEnv, loadConfig } from './lib/config.mjs';
import { postgresVersion, sqliteVersion } from './lib/db.mjs';
import { cleanupStack, gitDescribe, logger, pinSelf, snapshotBuild } from './lib/harness.mjs';
import { prepareOurs, refreshBookkeeping } from './lib/ours.mjs';
import { PEERS, PEER_CLIENT, preparePeers } from './lib/peers.mjs';
import { loadavg, machine, sleep, uidOf } from './lib/proc.mjs';
import { writeReport } from './lib/report.mjs';
import {
  LIST_FILTERS,
  adminListScenario,
  bulkRevokeScenario,
  refreshTokensNeeded,
  tokenEndpointScenario,
  tokenSupply,
} from './lib/scenarios.mjs';
import { LIST_DATA, seedListData, seedRevocationSubject } from './lib/seed.mjs';
import { startPeerServer } from './lib/server.mjs';

const cfg = loadConfig();
const machineInfo = machine(); // before pinning: nproc of the whole machine
pinSelf(cfg);
const T0 = Date.now();
const log = logger();
const cleanups = cleanupStack(log);
const postgresUid = uidOf('postgres');
const INTROSPECTION_POOL = 10_000;

/** Waits (full runs only) for the 1-minute load average to drop below BENCH_MAX_LOAD, checking every minute. */
async function waitForQuietMachine() {
  const waitS = Number(process.env.BENCH_WAIT_IDLE ?? (cfg.quick ? 0 : 600));
  const deadline = Date.now() + waitS * 1000;
  let l = loadavg();
  while (l[0] >= cfg.maxLoad && Date.now() < deadline) {
    log(`1-minute load average ${l[0]} >= ${cfg.maxLoad}: waiting (at most ${waitS} s in all)`);
    await sleep(Math.min(60_000, Math.max(1000, deadline - Date.now())));
    l = loadavg();
  }
  return l;
}

async function runPeers(peersDir, tmp, results) {
  for (const name of cfg.peers) {
    const peer = PEERS[name];
    if (!peer) {
      log(`unknown peer ${name}; known: ${Object.keys(PEERS).join(', ')}`);
      continue;
    }
    const tokensFile = join(tmp, `${name}.tokens`);
    const n = refreshTokensNeeded(cfg);
    log(`peer ${name}: starting (${n} pre-minted refresh tokens)`);
    const entry = { peer: name, title: peer.title, scenarios: {} };
    results.peers.push(entry);
    const scope = cleanups.size;
    try {
      const server = await startPeerServer(cfg, {
        peerDir: peersDir,
        script: peer.script,
        env: { ...peer.env, N_TOKENS: String(n), TOKENS_FILE: tokensFile },
        logFile: join(tmp, `${name}.log`),
      });
      cleanups.push(() => server.stop());
      entry.command = server.command;
      const common = {
        label: name,
        origin: `http://127.0.0.1:${cfg.peerPort}`,
        paths: { token: '/token' },
        client: PEER_CLIENT,
        pid: server.pid,
        log,
      };
      entry.scenarios.cc = await tokenEndpointScenario(cfg, { ...common, scenario: 'cc' });
      const supply = tokenSupply(readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean));
      const refresh = await tokenEndpointScenario(cfg, { ...common, scenario: 'refresh', supply });
      refresh.unanswered = refresh.unanswered.length;
      entry.scenarios.refresh = refresh;
      entry.vm_hwm_mb = (await server.stop()).vm_hwm_mb;
    } catch (e) {
      entry.error = e.message;
      log(`peer ${name}: ${e.message}`);
    }
    await cleanups.run(scope);
  }
}

async function runVariant(variant, tmp, app, results) {
  const v = { variant, phases: [], scenarios: {}, checks: {} };
  results.variants.push(v);
  const wants = (s) => cfg.scenarios.includes(s);
  const nRefresh = wants('refresh') ? refreshTokensNeeded(cfg) : 0;
  const nPool = wants('introspect') ? INTROSPECTION_POOL : 0;
  const ours = await prepareOurs(cfg, { variant, tmp, app, cleanups, log, mint: nRefresh + nPool });
  const { db, handle, admin, origin, clients } = ours;
  v.database = db.dialect === 'postgres' ? `PostgreSQL database ${db.name} (created and dropped)` : db.file;
  if (db.sqliteSynchronous) v.sqlite_synchronous = db.sqliteSynchronous;
  v.phases.push(ours.setupPhase);
  v.checks.minted_shape = ours.shapeDiffs.length === 0 ? 'same as the password grant' : ours.shapeDiffs;
  v.checks.minted = { refresh: nRefresh, introspection_pool: nPool, seconds: ours.mintSeconds };
  const pool = ours.minted.slice(0, nPool);
  const supply = tokenSupply(ours.minted.slice(nPool));
  // PostgreSQL's CPU: the backends serving the bench database (not other databases' work on the machine).
  const other = db.dialect === 'postgres' && postgresUid !== null ? { uid: postgresUid, match: ` ${db.name} ` } : null;
  const id = (c) => ({ id: c.client_id, secret: c.client_secret });

  // Token endpoint: client_credentials, refresh with rotation, introspection.
  if (wants('cc') || wants('refresh') || wants('introspect')) {
    const server = await ours.start('token');
    v.command = server.command;
    const common = {
      label: `ours/${variant}`,
      origin,
      paths: { token: '/oauth/token', introspect: '/oauth/introspect' },
      pid: server.pid,
      other,
      log,
    };
    if (wants('cc'))
      v.scenarios.cc = await tokenEndpointScenario(cfg, { ...common, scenario: 'cc', client: id(clients.cc) });
    if (wants('refresh')) {
      const refresh = await tokenEndpointScenario(cfg, {
        ...common,
        scenario: 'refresh',
        client: id(clients.rt),
        supply,
      });
      v.scenarios.refresh = refresh;
      // Every 200 must have stored exactly one successor of a minted token; requests in flight when
      // a run stopped were never answered, and the server may or may not have rotated their token.
      await sleep(500);
      const book = await refreshBookkeeping(handle, clients.rt.client_id, refresh.unanswered);
      refresh.unanswered = refresh.unanswered.length;
      const expected = refresh.ok200 + book.unanswered_but_rotated;
      const match =
        book.successors_of_minted === expected &&
        book.minted_marked_used === book.successors_of_minted &&
        refresh.bad_bodies === 0;
      v.checks.successors = {
        responses_200: refresh.ok200,
        responses_200_without_rotated_token: refresh.bad_bodies,
        ...book,
        tokens_taken: supply.used,
        match,
      };
      log(
        `${variant}: refresh 200s ${refresh.ok200} + ${book.unanswered_but_rotated} unanswered-but-rotated = ${expected}; ` +
          `successors in the database ${book.successors_of_minted}; minted tokens used ${book.minted_marked_used}${match ? ' (match)' : ' MISMATCH'}`,
      );
    }
    if (wants('introspect'))
      v.scenarios.introspect = await tokenEndpointScenario(cfg, {
        ...common,
        scenario: 'introspect',
        client: id(clients.introspect),
        pool,
      });
    v.phases.push({ phase: 'token endpoint', ...(await server.stop()) });
  }

  // Admin list over 1,000,000 refresh tokens, and bulk revocation.
  if (!cfg.tokenOnlyDatabases.includes(variant) && (wants('list') || wants('revoke'))) {
    const t = Date.now();
    log(`${variant}: seeding ${cfg.listRows} refresh tokens for the admin list`);
    const seeded = await seedListData(handle, cfg.listRows, { log });
    const subjects = [];
    if (wants('revoke'))
      for (let i = 1; i <= cfg.revokeRepeats; i += 1) {
        subjects.push(`revoke-subject-${i}`);
        await seedRevocationSubject(handle, subjects[i - 1], cfg.revokeFamilies);
      }
    // PostgreSQL's autovacuum would analyze the new rows within minutes; do it now. (SQLite never
    // analyzes by itself and the app does not run ANALYZE, so neither does the bench.)
    if (db.dialect === 'postgres') await handle.exec('VACUUM ANALYZE');
    const [{ n: total }] = await handle.all('SELECT count(*) AS n FROM refresh_token');
    v.checks.seed = {
      ...seeded,
      revoke_subjects: subjects.length,
      rows_in_refresh_token: Number(total),
      seconds: (Date.now() - t) / 1000,
    };
    log(`${variant}: seeded in ${((Date.now() - t) / 1000).toFixed(0)} s; refresh_token holds ${total} rows`);

    const server = await ours.start('admin');
    v.command ??= server.command;
    if (wants('list')) {
      v.scenarios.list = [];
      for (const filter of LIST_FILTERS(LIST_DATA)) {
        const token = await adminToken(origin, admin); // access tokens live 900 s: a fresh one per filter
        v.scenarios.list.push(await adminListScenario(cfg, { origin, token, filter, pid: server.pid, other, log }));
      }
    }
    if (wants('revoke')) {
      v.scenarios.revoke = [];
      const token = await adminToken(origin, admin);
      for (const subject of subjects)
        v.scenarios.revoke.push(
          await bulkRevokeScenario({ origin, token, subject, families: cfg.revokeFamilies, handle, log }),
        );
    }
    v.phases.push({ phase: 'admin', ...(await server.stop()) });
  }
}

async function main() {
  const loadBefore = loadavg();
  const loadAtStart = cfg.quick ? loadBefore : await waitForQuietMachine();
  const underLoad = loadAtStart[0] >= cfg.maxLoad;
  if (underLoad) log(`1-minute load average ${loadAtStart[0]}: every figure will be marked as measured under load`);
  const tmp = mkdtempSync(join(tmpdir(), 'as-bench-'));
  cleanups.push(() => (cfg.keep ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true })));
  const build = snapshotBuild(cfg, tmp, log);
  const pkg = (p) => JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
  const versions = {
    node: process.version,
    sqlite: sqliteVersion(),
    postgres: null,
    autocannon: pkg('autocannon'),
    app_nestjs_core: pkg('@nestjs/core'),
  };
  const dbs = [...cfg.databases];
  if (dbs.includes('postgres')) {
    try {
      versions.postgres = await postgresVersion(cfg.pgUrl);
    } catch (e) {
      log(`PostgreSQL unreachable at ${cfg.pgUrl} (${e.message}): skipping the postgres variant`);
      dbs.splice(dbs.indexOf('postgres'), 1);
    }
  }
  const env = benchEnv();
  delete env.BENCH_PINNED;
  const envText = Object.entries(env)
    .map(([k, val]) => `${k}=${val}`)
    .join(' ');
  const results = {
    generated_at: new Date().toISOString(),
    command: `${envText ? `${envText} ` : ''}npm run bench`,
    machine: machineInfo,
    versions,
    git: gitDescribe(),
    build: { dist_sha256: build.dist_sha256, js_files: build.js_files, built: build.built },
    conditions: {
      quick: cfg.quick,
      duration_s: cfg.duration,
      warmup_s: cfg.warmup,
      connections: cfg.connections,
      pinning: cfg.pin
        ? { server_cpu: cfg.serverCpu, driver_cpu: cfg.driverCpu, postgres_cpu: cfg.pinPostgres ? cfg.driverCpu : null }
        : null,
      list: { rows: cfg.listRows, depths: cfg.listDepths, limit: cfg.listLimit, duration_s: cfg.listDuration },
      revoke: { families: cfg.revokeFamilies, repeats: cfg.revokeRepeats },
      loadavg_before: loadBefore,
      loadavg_at_start: loadAtStart,
      max_load: cfg.maxLoad,
      under_load: underLoad,
      env,
    },
    peers: [],
    peers_skipped: null,
    variants: [],
  };

  if (cfg.peers.length > 0) {
    const prepared = preparePeers(cfg, log);
    if (prepared.skipped) {
      log(prepared.skipped);
      results.peers_skipped = prepared.skipped;
    } else {
      results.versions.peers = prepared.versions;
      await runPeers(prepared.dir, tmp, results);
    }
  } else results.peers_skipped = 'not run (BENCH_PEERS=none)';

  for (const variant of dbs) {
    const scope = cleanups.size;
    try {
      await runVariant(variant, tmp, build.app, results);
    } catch (e) {
      log(`${variant}: FAILED ${e.stack ?? e.message}`);
      const v = results.variants.find((x) => x.variant === variant);
      if (v) v.error = e.message;
      else results.variants.push({ variant, error: e.message });
    }
    await cleanups.run(scope); // servers stopped, database handle closed, PostgreSQL database dropped
  }
  results.conditions.loadavg_at_end = loadavg();
  results.elapsed_s = Math.round((Date.now() - T0) / 1000);
  const files = await writeReport(cfg, results);
  log(`wrote ${files.join(', ')}`);
  await cleanups.run();
  const failed = results.variants.filter((v) => v.error).length + results.peers.filter((p) => p.error).length;
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (e) => {
  log(`bench failed: ${e.stack ?? e.message}`);
  await cleanups.run();
  process.exit(1);
});
