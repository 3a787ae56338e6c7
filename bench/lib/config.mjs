// Settings of the benchmark suite, all from the environment (see bench/README.md).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const str = (name, fallback) => {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
};
const num = (name, fallback) => {
  const v = str(name, undefined);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  return n;
};
const list = (name, fallback) =>
  str(name, fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const bool = (name, fallback) => {
  const v = str(name, undefined);
  return v === undefined ? fallback : !['0', 'false', 'no', ''].includes(v.toLowerCase());
};

/**
 * A database variant may carry a label (`sqlite-normal:gp0`): the same database kind, its own server,
 * started with the node flags of `BENCH_NODE_FLAGS_<label>` and the settings of
 * `BENCH_SERVER_ENV_<label>` as well, for an A/B of two settings measured interleaved in one run.
 */
export const baseVariant = (variant) => variant.split('@')[0].split(':')[0];
const labelOf = (variant) => variant.split('@')[0].split(':')[1];
/** `sqlite-full@node20` runs on the second runtime of BENCH_RUNTIMES (see run.mjs); none: the first. */
export const runtimeSuffixOf = (variant) => (variant.includes('@') ? `@${variant.split('@')[1]}` : '');

/** The extra node flags of a labelled variant (BENCH_NODE_FLAGS_<label>). */
export function variantNodeFlags(variant) {
  const label = labelOf(variant);
  return label ? (process.env[`BENCH_NODE_FLAGS_${label}`] ?? '').split(/\s+/).filter(Boolean) : [];
}

/**
 * Another build for the variants labelled `<label>` (BENCH_APP_<label>): a checkout of another commit,
 * built (`dist/`) with its own `node_modules`, so that two builds are measured interleaved in one run.
 * Answers { dir, git } or null (the run's own build).
 */
export function variantApp(variant) {
  const label = labelOf(variant);
  const dir = label ? process.env[`BENCH_APP_${label}`] : undefined;
  if (!dir) return null;
  const abs = resolve(dir);
  for (const need of ['dist', 'node_modules', 'package.json'])
    if (!existsSync(join(abs, need))) throw new Error(`BENCH_APP_${label}: ${abs} has no ${need} (build it first)`);
  let git = null;
  try {
    git = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: abs, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the report names the folder only
  }
  return { dir: abs, git };
}

/** `NAME=value NAME=value` pairs, as BENCH_SERVER_ENV and BENCH_SERVER_ENV_<label> take them. */
export function parseEnvPairs(text, source) {
  const out = {};
  for (const pair of (text ?? '').split(/\s+/).filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`${source}: expected NAME=value, got ${pair}`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** The extra server settings of a labelled variant (BENCH_SERVER_ENV_<label>). */
export function variantServerEnv(variant) {
  const label = labelOf(variant);
  if (!label) return {};
  const name = `BENCH_SERVER_ENV_${label}`;
  return parseEnvPairs(process.env[name], name);
}

export function loadConfig() {
  const quick = bool('BENCH_QUICK', false);
  const connections = list('BENCH_CONNECTIONS', '10,50').map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1000))
    throw new Error('BENCH_CONNECTIONS must be a comma-separated list of integers between 1 and 1000');
  const cfg = {
    quick,
    duration: num('BENCH_DURATION', quick ? 2 : 10),
    warmup: num('BENCH_WARMUP', quick ? 1 : 3),
    connections,
    /** Rounds of the token-endpoint runs: every server once per round, in a rotated order. */
    rounds: num('BENCH_ROUNDS', quick ? 1 : 5),
    /** Database variants: sqlite-normal, sqlite-full, postgres. */
    databases: list('BENCH_DBS', 'sqlite-normal,sqlite-full,postgres').filter((d) => d !== 'none'),
    /**
     * Scenarios of the token endpoint (cc, refresh: a fresh pre-minted token per request, chain: every
     * connection presents the token it got back last, introspect; refresh-dpop, our server only: refresh
     * with a fresh DPoP proof on every request) and of the admin API (list, revoke).
     */
    scenarios: list('BENCH_SCENARIOS', 'cc,refresh,chain,refresh-dpop,introspect,list,revoke'),
    /**
     * Node.js binaries our server runs on, side by side in the same rounds: `node` is the one running
     * the suite (npm's: node_modules/.bin/node); others are paths (e.g. /usr/bin/node). The first is
     * the primary one (the variants' plain names and the admin phase); each other one adds every
     * database variant again as `<variant>@node<major>`, token endpoint only.
     */
    runtimes: list('BENCH_RUNTIMES', 'node'),
    /**
     * Requests/s offered in all, spread over the connections, for the token-endpoint runs (0: as fast as
     * the server answers). Below every server's capacity, a run's p99 shows stalls rather than queueing.
     */
    rate: num('BENCH_RATE', 0),
    /** The event-loop delay and GC probe in every server under test (bench/lib/eld-probe.mjs). */
    probe: bool('BENCH_PROBE', true),
    /** Variants that only run the token-endpoint scenarios (no 1,000,000-row seed). */
    tokenOnlyDatabases: list('BENCH_TOKEN_ONLY_DBS', 'sqlite-full'),
    peers: list('BENCH_PEERS', 'ceiling-nest,oidc-jwt').filter((p) => p !== 'none'),
    peerSource: resolve(ROOT, str('BENCH_PEER_SOURCE', '../shared/peer-bench')),
    peerDir: str('BENCH_PEER_DIR', '/tmp/peer-bench'),
    port: num('BENCH_PORT', 3900),
    peerPort: num('BENCH_PEER_PORT', 4180), // not 4190: fetch refuses that port
    pin: bool('BENCH_PIN', true),
    serverCpu: num('BENCH_SERVER_CPU', 1),
    driverCpu: num('BENCH_DRIVER_CPU', 0),
    /** PostgreSQL's processes on the driver's core during a run (root only), off the server's. */
    pinPostgres: bool('BENCH_PIN_POSTGRES', true),
    /**
     * Upper bound of refresh req/s used to size the pre-minted token supply (x1.25 margin). It also
     * sets how many tokens each in-memory peer holds (peers are restarted every round with one round's
     * tokens: 5000 gives 162,500 for two connection counts, below the 250,000 of peer-bench's own runs;
     * a bigger store costs a peer garbage-collection time).
     */
    refreshMaxRate: num('BENCH_RT_MAX_RATE', 5000),
    listRows: num('BENCH_LIST_ROWS', 1_000_000),
    listDepths: list('BENCH_LIST_DEPTHS', '0,10,100,1000').map(Number),
    listLimit: num('BENCH_LIST_LIMIT', 50),
    listDuration: num('BENCH_LIST_DURATION', quick ? 2 : 5),
    revokeFamilies: num('BENCH_REVOKE_FAMILIES', 10_000),
    revokeRepeats: num('BENCH_REVOKE_REPEATS', 3),
    skipBuild: bool('BENCH_SKIP_BUILD', false),
    pgUrl: str('BENCH_POSTGRES_URL', 'postgres://postgres@127.0.0.1:5432/postgres'),
    outDir: resolve(ROOT, str('BENCH_OUT', 'docs')),
    /** Keep the temporary folder (databases, logs) for inspection. */
    keep: bool('BENCH_KEEP', false),
    /** Extra flags for our server's `node` (e.g. `--trace-gc`), space-separated. */
    nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    maxLoad: num('BENCH_MAX_LOAD', 0.5),
  };
  if (!Number.isInteger(cfg.rounds) || cfg.rounds < 1) throw new Error('BENCH_ROUNDS must be a positive integer');
  for (const d of cfg.databases)
    if (!['sqlite-normal', 'sqlite-full', 'postgres'].includes(baseVariant(d)) || !/^[\w-]+(:\w+)?$/.test(d))
      throw new Error(
        `BENCH_DBS: unknown database variant ${d} (sqlite-normal, sqlite-full, postgres, each optionally :label)`,
      );
  const url = new URL(cfg.pgUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error('BENCH_POSTGRES_URL must point at this machine (127.0.0.1)');
  return cfg;
}

/** The settings that shaped a run, for the report. */
export function benchEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(BENCH_|SOAK_)/.test(k)));
}
