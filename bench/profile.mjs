#!/usr/bin/env node
// npm run bench:profile: a CPU profile of the refresh path (or BENCH_PROFILE_SCENARIO=cc for client_credentials, chain for refresh chains). Starts the built server with
// `node --cpu-prof --cpu-prof-dir=$BENCH_PROFILE_DIR` (default /tmp/prof), drives the refresh grant
// (rotation, a fresh pre-minted token per request; with chain, each connection presents the token it got
// back) at the highest of BENCH_CONNECTIONS for BENCH_DURATION
// seconds, stops the server (the profile is written on exit) and prints the top self-time
// functions (bench/cpuprofile-top.mjs).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './lib/config.mjs';
import { summarize, printSummary } from './cpuprofile-top.mjs';
import { cleanupStack, logger, pinSelf, snapshotBuild } from './lib/harness.mjs';
import { prepareOurs } from './lib/ours.mjs';
import { tokenEndpointScenario, tokenSupply } from './lib/scenarios.mjs';
import { loadavg, sleep } from './lib/proc.mjs';

const cfg = loadConfig();
pinSelf(cfg);
const log = logger();
const cleanups = cleanupStack(log);
const variant = process.env.BENCH_PROFILE_DB?.trim() || 'sqlite-normal';
const profDir = process.env.BENCH_PROFILE_DIR?.trim() || '/tmp/prof';
const scenario = process.env.BENCH_PROFILE_SCENARIO?.trim() || 'refresh';
if (!['cc', 'refresh', 'chain'].includes(scenario))
  throw new Error(`BENCH_PROFILE_SCENARIO must be cc, refresh or chain, not ${scenario}`);

async function main() {
  const connections = Math.max(...cfg.connections);
  const pcfg = { ...cfg, connections: [connections] };
  log(`load average ${loadavg().join(' ')}`);
  const tmp = mkdtempSync(join(tmpdir(), 'as-profile-'));
  cleanups.push(() => (cfg.keep ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true })));
  const build = snapshotBuild(cfg, tmp, log);
  const n = Math.ceil((cfg.warmup + cfg.duration) * cfg.refreshMaxRate * 1.25) + 200;
  const chain = scenario === 'chain';
  const ours = await prepareOurs(cfg, {
    variant,
    tmp,
    app: build.app,
    cleanups,
    log,
    mint: chain ? 1 : n,
    mintChain: chain ? connections * 4 + 1000 : 0,
  });
  mkdirSync(profDir, { recursive: true });
  const before = new Set(readdirSync(profDir));
  const server = await ours.start('profile', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  log(`server: ${server.command}`);
  const result = await tokenEndpointScenario(pcfg, {
    label: `ours/${variant} (profiled)`,
    scenario,
    origin: ours.origin,
    paths: { token: '/oauth/token' },
    client: credentials(ours.clients[{ cc: 'cc', refresh: 'rt', chain: 'chain' }[scenario]]),
    supply: { cc: undefined, refresh: tokenSupply(ours.minted), chain: tokenSupply(ours.chainStarts) }[scenario],
    pid: server.pid,
    log,
  });
  // The measured run is the last BENCH_DURATION seconds of the scenario: summarise only those
  // samples (not start-up, the functional check or the warm-up).
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const fromUs = toUs - cfg.duration * 1e6;
  await server.stop();
  await sleep(500);
  const fresh = readdirSync(profDir)
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(profDir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!fresh.length) throw new Error(`no new .cpuprofile in ${profDir} (the server must exit normally to write it)`);
  const run = result.runs[0];
  log(`profile ${fresh[0]} (${run.rps_2xx} req/s, p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms under the profiler)`);
  printSummary(summarize(fresh[0], { fromUs, toUs }), Number(process.env.BENCH_PROFILE_TOP ?? 25));
  await cleanups.run();
}

function credentials(client) {
  return { id: client.client_id, secret: client.client_secret };
}

main().catch(async (e) => {
  log(`profile failed: ${e.stack ?? e.message}`);
  await cleanups.run();
  process.exit(1);
});
