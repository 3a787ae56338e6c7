#!/usr/bin/env node
// npm run bench: the performance suite of the authorization server, side by side with the peers of
// ../shared/peer-bench, written to docs/benchmarks.md and docs/benchmarks.json.
// Settings: bench/README.md. Loopback only; every load run and loop is bounded.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminToken } from './lib/app.mjs';
import { ROOT, baseVariant, benchEnv, loadConfig, variantApp } from './lib/config.mjs';
import { postgresVersion, sqliteVersion } from './lib/db.mjs';
import { cleanupStack, gitDescribe, logger, pinSelf, snapshotBuild } from './lib/harness.mjs';
import { chainBookkeeping, prepareOurs, refreshBookkeeping } from './lib/ours.mjs';
import { PEERS, PEER_CLIENT, preparePeers } from './lib/peers.mjs';
import { loadavg, machine, sleep, uidOf } from './lib/proc.mjs';
import { writeReport } from './lib/report.mjs';
import { appFor, resolveRuntimes } from './lib/runtimes.mjs';
import { probeOf } from './lib/load.mjs';
import {
  LIST_FILTERS,
  adminListScenario,
  bulkRevokeScenario,
  prepareTokenScenario,
  refreshTokensNeeded,
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
const TOKEN_SCENARIOS = ['cc', 'refresh', 'refresh-dpop', 'chain'];
/** Scenarios of our server alone: the peers take no DPoP proofs. */
const OURS_ONLY = ['refresh-dpop'];
/** The chain scenario's minted starting tokens per variant: a chain per connection, replacements for broken ones. */
const chainStarts = () => Math.max(...cfg.connections) * 4 + 1000;
const probeFor = (pid) => (cfg.probe && cfg.probeDir ? probeOf(cfg.probeDir, pid) : undefined);

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

/**
 * A server under test in the token-endpoint rounds: its prepared scenarios (functional checks done)
 * and `finish()`, which files the results and stops it.
 */
function contender(name, scenarios, finish) {
  const k = { name, scenarios, error: null };
  k.finish = () => finish(k.error); // the error of a run that failed, if any
  return k;
}

/**
 * Starts every peer on its own port (BENCH_PEER_PORT + i) and checks its scenarios. A peer keeps its
 * tokens in memory, and the size of that store costs it garbage-collection time, so each peer is
 * restarted at the start of every round with one round's refresh tokens (as peer-bench's own runs
 * start each peer afresh); the peak RSS reported is the highest of its processes.
 */
async function startPeers(peersDir, tmp, results) {
  const out = [];
  const perRound = refreshTokensNeeded({ ...cfg, rounds: 1 });
  for (const [i, name] of cfg.peers.entries()) {
    const peer = PEERS[name];
    if (!peer) {
      log(`unknown peer ${name}; known: ${Object.keys(PEERS).join(', ')}`);
      continue;
    }
    const port = cfg.peerPort + i;
    const tokensFile = join(tmp, `${name}.tokens`);
    const entry = { peer: name, title: peer.title, scenarios: {}, tokens_per_round: perRound };
    results.peers.push(entry);
    let server = null;
    let vmHwm = 0;
    const stop = async () => {
      if (!server) return;
      const s = server;
      server = null;
      vmHwm = Math.max(vmHwm, (await s.stop()).vm_hwm_mb ?? 0);
    };
    const launch = async (round) => {
      log(`peer ${name}: starting on port ${port} for round ${round} (${perRound} pre-minted refresh tokens)`);
      rmSync(tokensFile, { force: true });
      server = await startPeerServer(
        { ...cfg, peerPort: port },
        {
          peerDir: peersDir,
          script: peer.script,
          env: { ...peer.env, N_TOKENS: String(perRound), TOKENS_FILE: tokensFile },
          logFile: join(tmp, `${name}.round${round}.log`),
        },
      );
      entry.command ??= server.command;
      return readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
    };
    cleanups.push(stop);
    try {
      const supply = tokenSupply(await launch(1));
      const common = {
        label: name,
        origin: `http://127.0.0.1:${port}`,
        paths: { token: '/token' },
        client: PEER_CLIENT,
        pid: server.pid,
        probe: probeFor(server.pid),
        log,
      };
      const scenarios = {};
      const wanted = TOKEN_SCENARIOS.filter((x) => cfg.scenarios.includes(x) && !OURS_ONLY.includes(x));
      for (const scenario of wanted)
        scenarios[scenario] = await prepareTokenScenario(cfg, {
          ...common,
          scenario,
          ...(scenario === 'cc' ? {} : { supply }),
        });
      const k = contender(name, scenarios, async (error) => {
        for (const [scenario, prepared] of Object.entries(scenarios)) {
          const r = prepared.result();
          r.unanswered = r.unanswered.length;
          entry.scenarios[scenario] = r;
        }
        await stop();
        entry.vm_hwm_mb = vmHwm;
        entry.restarted_each_round = true;
        if (error) entry.error = error;
      });
      k.startRound = async (round) => {
        if (round === 1) return;
        await stop();
        supply.replace(await launch(round));
        for (const s of Object.values(scenarios)) s.rebind(server.pid, probeFor(server.pid));
      };
      out.push(k);
    } catch (e) {
      entry.error = e.message;
      log(`peer ${name}: ${e.message}`);
    }
  }
  return out;
}

/**
 * A database variant: a fresh database with minted tokens, and its token-endpoint server started
 * on its own port (BENCH_PORT + index) with its scenarios checked. Answers the contender (null when
 * no token-endpoint scenario is wanted) and the prepared variant for the admin phase.
 */
async function prepareVariant(variant, index, tmp, runtime, results) {
  const v = { variant, runtime: runtime.version, phases: [], scenarios: {}, checks: {} };
  const otherBuild = variantApp(variant);
  if (otherBuild) v.build = { app: otherBuild.dir, git: otherBuild.git };
  results.variants.push(v);
  const wants = (s) => cfg.scenarios.includes(s);
  const nRefresh = wants('refresh') ? refreshTokensNeeded(cfg) : 0;
  const nDpop = wants('refresh-dpop') ? refreshTokensNeeded(cfg) : 0;
  const nPool = wants('introspect') ? INTROSPECTION_POOL : 0;
  const vcfg = { ...cfg, port: cfg.port + index };
  const ours = await prepareOurs(vcfg, {
    variant,
    tmp,
    app: otherBuild?.dir ?? runtime.app,
    nodeBin: runtime.bin,
    cleanups,
    log,
    mint: nRefresh + nDpop + nPool,
    mintChain: wants('chain') ? chainStarts() : 0,
  });
  const { db, handle, origin, clients } = ours;
  v.database = db.dialect === 'postgres' ? `PostgreSQL database ${db.name} (created and dropped)` : db.file;
  if (db.sqliteSynchronous) v.sqlite_synchronous = db.sqliteSynchronous;
  v.phases.push(ours.setupPhase);
  v.checks.minted_shape = ours.shapeDiffs.length === 0 ? 'same as the password grant' : ours.shapeDiffs;
  v.checks.minted = { refresh: nRefresh, refresh_dpop: nDpop, introspection_pool: nPool, seconds: ours.mintSeconds };
  // PostgreSQL's CPU: the backends serving the bench database (not other databases' work on the machine).
  const other = db.dialect === 'postgres' && postgresUid !== null ? { uid: postgresUid, match: ` ${db.name} ` } : null;
  const prepared = { variant, v, ours, other };
  if (!['cc', 'refresh', 'refresh-dpop', 'chain', 'introspect'].some(wants)) return { prepared, contender: null };

  const pool = ours.minted.slice(0, nPool);
  const supply = tokenSupply(ours.minted.slice(nPool, nPool + nRefresh));
  const dpopSupply = tokenSupply(ours.minted.slice(nPool + nRefresh));
  const id = (c) => ({ id: c.client_id, secret: c.client_secret });
  const server = await ours.start('token');
  v.command = server.command;
  const common = {
    label: `ours/${variant}`,
    origin,
    paths: { token: '/oauth/token', introspect: '/oauth/introspect' },
    pid: server.pid,
    probe: probeFor(server.pid),
    other,
    log,
  };
  const scenarios = {};
  if (wants('cc'))
    scenarios.cc = await prepareTokenScenario(cfg, { ...common, scenario: 'cc', client: id(clients.cc) });
  if (wants('refresh'))
    scenarios.refresh = await prepareTokenScenario(cfg, {
      ...common,
      scenario: 'refresh',
      client: id(clients.rt),
      supply,
    });
  if (wants('refresh-dpop'))
    scenarios['refresh-dpop'] = await prepareTokenScenario(cfg, {
      ...common,
      scenario: 'refresh-dpop',
      client: id(clients.rt),
      supply: dpopSupply,
    });
  if (wants('chain'))
    scenarios.chain = await prepareTokenScenario(cfg, {
      ...common,
      scenario: 'chain',
      client: id(clients.chain),
      supply: tokenSupply(ours.chainStarts),
    });
  if (wants('introspect'))
    scenarios.introspect = await prepareTokenScenario(cfg, {
      ...common,
      scenario: 'introspect',
      client: id(clients.introspect),
      pool,
    });
  const finish = async (error) => {
    for (const [name, s] of Object.entries(scenarios)) v.scenarios[name] = s.result();
    // The refresh scenarios (with and without DPoP) present the same client's minted tokens: checked together.
    const refreshes = ['refresh', 'refresh-dpop'].map((s) => v.scenarios[s]).filter(Boolean);
    if (refreshes.length > 0) {
      const refresh = {
        ok200: refreshes.reduce((n, r) => n + r.ok200, 0),
        bad_bodies: refreshes.reduce((n, r) => n + r.bad_bodies, 0),
        unanswered: refreshes.flatMap((r) => r.unanswered),
      };
      // Every 200 must have stored exactly one successor of a minted token; requests in flight when
      // a run stopped were never answered, and the server may or may not have rotated their token.
      await sleep(500);
      const book = await refreshBookkeeping(handle, clients.rt.client_id, refresh.unanswered);
      for (const r of refreshes) r.unanswered = r.unanswered.length;
      const expected = refresh.ok200 + book.unanswered_but_rotated;
      const match =
        book.successors_of_minted === expected &&
        book.minted_marked_used === book.successors_of_minted &&
        refresh.bad_bodies === 0;
      v.checks.successors = {
        responses_200: refresh.ok200,
        responses_200_without_rotated_token: refresh.bad_bodies,
        ...book,
        tokens_taken: supply.used + dpopSupply.used,
        match,
      };
      log(
        `${variant}: refresh 200s ${refresh.ok200} + ${book.unanswered_but_rotated} unanswered-but-rotated = ${expected}; ` +
          `successors in the database ${book.successors_of_minted}; minted tokens used ${book.minted_marked_used}${match ? ' (match)' : ' MISMATCH'}`,
      );
    }
    const chain = v.scenarios.chain;
    if (chain) {
      await sleep(500);
      const book = await chainBookkeeping(handle, clients.chain.client_id, chain.unanswered);
      chain.unanswered = chain.unanswered.length;
      const expected = chain.ok200 + book.unanswered_but_rotated;
      const match = book.successors === expected && chain.bad_bodies === 0;
      v.checks.chain = { responses_200: chain.ok200, broken_chains: chain.broken_chains, ...book, match };
      log(
        `${variant}: chain 200s ${chain.ok200} + ${book.unanswered_but_rotated} unanswered-but-rotated = ${expected}; ` +
          `successors in the database ${book.successors}${match ? ' (match)' : ' MISMATCH'}`,
      );
    }
    v.phases.push({ phase: 'token endpoint', ...(await server.stop()) });
    if (error) v.error = error;
  };
  return { prepared, contender: contender(`ours/${variant}`, scenarios, finish) };
}

/**
 * The token-endpoint runs, interleaved: in each round, for each scenario and connection count,
 * every server once, the order rotated from round to round. The machine's speed drifts within
 * minutes, so a ratio compares runs minutes apart at most, and the report takes medians.
 */
async function tokenRounds(contenders) {
  const live = () => contenders.filter((k) => !k.error);
  const attempt = async (k, scenario, c, round) => {
    try {
      await k.scenarios[scenario].measure(c, round);
    } catch (e) {
      k.error = `${scenario} c=${c} round ${round}: ${e.message}`;
      log(`[${k.name}] FAILED ${k.error}: left out of the remaining runs`);
    }
  };
  for (let round = 1; round <= cfg.rounds; round += 1) {
    log(`token endpoint: round ${round} of ${cfg.rounds}`);
    for (const k of live())
      if (k.startRound)
        try {
          await k.startRound(round);
        } catch (e) {
          k.error = `restart for round ${round}: ${e.message}`;
          log(`[${k.name}] FAILED ${k.error}: left out of the remaining runs`);
        }
    for (const scenario of TOKEN_SCENARIOS)
      for (const c of cfg.connections) {
        const ks = live().filter((k) => k.scenarios[scenario]);
        const shift = (round - 1) % Math.max(1, ks.length);
        for (const k of [...ks.slice(shift), ...ks.slice(0, shift)]) await attempt(k, scenario, c, round);
      }
  }
  // Introspection has no peer to compare with: one round.
  for (const k of live())
    if (k.scenarios.introspect) for (const c of cfg.connections) await attempt(k, 'introspect', c, 1);
  for (const k of contenders)
    try {
      await k.finish();
    } catch (e) {
      log(`[${k.name}] finishing FAILED: ${e.stack ?? e.message}`);
    }
}

/** Admin list over 1,000,000 refresh tokens, and bulk revocation, on a prepared variant. */
async function runAdmin({ variant, v, ours, other }) {
  const wants = (s) => cfg.scenarios.includes(s);
  if (
    variant.includes('@') ||
    cfg.tokenOnlyDatabases.includes(variant) ||
    cfg.tokenOnlyDatabases.includes(baseVariant(variant)) ||
    !(wants('list') || wants('revoke'))
  )
    return;
  const { db, handle, admin, origin } = ours;
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

async function main() {
  const loadBefore = loadavg();
  const loadAtStart = cfg.quick ? loadBefore : await waitForQuietMachine();
  const underLoad = loadAtStart[0] >= cfg.maxLoad;
  if (underLoad) log(`1-minute load average ${loadAtStart[0]}: every figure will be marked as measured under load`);
  const tmp = mkdtempSync(join(tmpdir(), 'as-bench-'));
  cleanups.push(() => (cfg.keep ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true })));
  const build = snapshotBuild(cfg, tmp, log);
  cfg.probeDir = join(tmp, 'probe');
  mkdirSync(cfg.probeDir);
  const runtimes = resolveRuntimes(cfg.runtimes);
  for (const r of runtimes) Object.assign(r, appFor(r, build.app, tmp, log));
  const pkg = (p) => JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
  const versions = {
    node: process.version,
    sqlite: sqliteVersion(),
    postgres: null,
    autocannon: pkg('autocannon'),
    app_nestjs_core: pkg('@nestjs/core'),
    runtimes: runtimes.map((r) => ({
      version: r.version,
      bin: r.bin,
      primary: r.primary,
      suffix: r.suffix,
      better_sqlite3: r.better_sqlite3,
    })),
  };
  const dbs = [...cfg.databases];
  if (dbs.some((d) => baseVariant(d) === 'postgres')) {
    try {
      versions.postgres = await postgresVersion(cfg.pgUrl);
    } catch (e) {
      log(`PostgreSQL unreachable at ${cfg.pgUrl} (${e.message}): skipping the postgres variant`);
      for (const d of dbs.filter((x) => baseVariant(x) === 'postgres')) dbs.splice(dbs.indexOf(d), 1);
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
      rate: cfg.rate || null,
      connections: cfg.connections,
      pinning: cfg.pin
        ? { server_cpu: cfg.serverCpu, driver_cpu: cfg.driverCpu, postgres_cpu: cfg.pinPostgres ? cfg.driverCpu : null }
        : null,
      rounds: cfg.rounds,
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

  const contenders = [];
  if (cfg.peers.length > 0) {
    const prepared = preparePeers(cfg, log);
    if (prepared.skipped) {
      log(prepared.skipped);
      results.peers_skipped = prepared.skipped;
    } else {
      results.versions.peers = prepared.versions;
      contenders.push(...(await startPeers(prepared.dir, tmp, results)));
    }
  } else results.peers_skipped = 'not run (BENCH_PEERS=none)';

  const variants = [];
  const planned = runtimes.flatMap((r) => dbs.map((d) => ({ variant: `${d}${r.suffix}`, runtime: r })));
  for (const [index, { variant, runtime }] of planned.entries()) {
    try {
      const { prepared, contender: k } = await prepareVariant(variant, index, tmp, runtime, results);
      variants.push(prepared);
      if (k) contenders.push(k);
    } catch (e) {
      log(`${variant}: FAILED ${e.stack ?? e.message}`);
      const v = results.variants.find((x) => x.variant === variant);
      if (v) v.error = e.message;
      else results.variants.push({ variant, error: e.message });
    }
  }
  await tokenRounds(contenders);
  for (const p of variants) {
    try {
      await runAdmin(p);
    } catch (e) {
      log(`${p.variant}: admin phase FAILED ${e.stack ?? e.message}`);
      p.v.error = e.message;
    }
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
