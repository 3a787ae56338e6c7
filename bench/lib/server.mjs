// Starting and stopping the servers under test (ours and the peers), pinned to one core.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hwmMB, sleep } from './proc.mjs';
import { parseEnvPairs } from './config.mjs';

export const OUR_ENTRY = 'dist/apps/authorization-server/src/main.js';

/**
 * The node options our server is started with in production: the words between `node` and the entry
 * point in package.json's `start:prod` (the Dockerfile passes the same, test/deployment checks it), so
 * the benchmark measures what operators run. A variant's own flags come after them and win.
 */
export function productionNodeFlags(packageJson) {
  const script = String(packageJson.scripts?.['start:prod'] ?? '');
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'node' || words[words.length - 1] !== OUR_ENTRY) {
    throw new Error(`package.json start:prod is not "node [flags] ${OUR_ENTRY}": ${script}`);
  }
  return words.slice(1, -1);
}

/** bench/lib/eld-probe.mjs, preloaded into every server under test when cfg.probe and cfg.probeDir. */
const PROBE = fileURLToPath(new URL('./eld-probe.mjs', import.meta.url));
const probeArgs = (cfg) => (cfg.probe && cfg.probeDir ? ['--import', PROBE] : []);
const probeEnv = (cfg) => (cfg.probe && cfg.probeDir ? { BENCH_PROBE_DIR: cfg.probeDir } : {});

function pinned(cfg, cpu, argv) {
  return cfg.pin ? ['taskset', ['-c', String(cpu), ...argv]] : [argv[0], argv.slice(1)];
}

/** A shell-like rendering of a command and the variables that matter, for the report. */
export function describeCommand(env, argv) {
  const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  return [...Object.entries(env).map(([k, v]) => `${k}=${quote(String(v))}`), ...argv.map(quote)].join(' ');
}

/**
 * Spawns `argv` (pinned to cfg.serverCpu), logging to `logFile`, and waits until `ready()` answers
 * true (polled every 100 ms, at most `timeoutMs`). taskset execs the program, so the pid is the server's.
 */
async function launch(cfg, { argv, env, cwd, logFile, ready, timeoutMs = 120_000, name, shownEnv }) {
  const [cmd, args] = pinned(cfg, cfg.serverCpu, argv);
  writeFileSync(logFile, ''); // now, not when the stream opens: `ready()` may read the file first
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  const exit = new Promise((res) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      res(exited);
    }),
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    if (await ready().catch(() => false)) {
      return {
        name,
        pid: child.pid,
        command: describeCommand(shownEnv ?? env, cfg.pin ? [cmd, ...args] : argv),
        logFile,
        exited: () => exited,
        async stop() {
          const hwm = hwmMB(child.pid);
          if (!exited) child.kill('SIGTERM');
          const t = setTimeout(() => {
            if (!exited) child.kill('SIGKILL');
          }, 10_000);
          await exit;
          clearTimeout(t);
          return { vm_hwm_mb: hwm };
        },
      };
    }
    await sleep(100);
  }
  if (!exited) child.kill('SIGKILL');
  await exit;
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').slice(-3000);
  } catch {
    // no log
  }
  throw new Error(`${name} did not become ready (${JSON.stringify(exited)}); log ${logFile}:\n${tail}`);
}

/** BENCH_SERVER_ENV="NAME=value NAME=value": more settings for our server (e.g. RATE_LIMITS=on). */
export const extraServerEnv = () => parseEnvPairs(process.env.BENCH_SERVER_ENV, 'BENCH_SERVER_ENV');

/** Our built server from `appDir` (a snapshot of the build), as `node dist/.../main.js`. */
export async function startOurServer(
  cfg,
  { appDir, databaseUrl, sqliteSynchronous, admin, logFile, nodeFlags = [], serverEnv = {}, nodeBin = 'node' },
) {
  const env = {
    NODE_ENV: 'production',
    PORT: String(cfg.port),
    ISSUER: `http://127.0.0.1:${cfg.port}`,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    ADMIN_CLIENT_ID: admin.id,
    ADMIN_CLIENT_SECRET: admin.secret,
    ...(sqliteSynchronous ? { SQLITE_SYNCHRONOUS: sqliteSynchronous } : {}),
    // One bench client sends thousands of requests a second: the token-endpoint rate limits (600 per
    // client per minute by default) are off, as the app provides for benchmarks.
    RATE_LIMITS: 'off',
    ...extraServerEnv(),
    ...serverEnv,
    ...probeEnv(cfg),
  };
  const origin = `http://127.0.0.1:${cfg.port}`;
  return launch(cfg, {
    name: 'authorization-server',
    argv: [
      nodeBin,
      ...productionNodeFlags(JSON.parse(readFileSync(`${appDir}/package.json`, 'utf8'))),
      ...(cfg.nodeFlags ?? []),
      ...nodeFlags,
      ...probeArgs(cfg),
      OUR_ENTRY,
    ],
    env,
    shownEnv: { ...env, ADMIN_CLIENT_SECRET: '<random>' },
    cwd: appDir,
    logFile,
    ready: async () => (await fetch(`${origin}/.well-known/oauth-authorization-server`)).status === 200,
  });
}

/** A peer-bench server (servers/<script>), ready when it prints its READY line. */
export async function startPeerServer(cfg, { peerDir, script, env, logFile }) {
  const fullEnv = { NODE_ENV: 'production', PORT: String(cfg.peerPort), ...env, ...probeEnv(cfg) };
  return launch(cfg, {
    name: script,
    argv: ['node', ...probeArgs(cfg), `servers/${script}`],
    env: fullEnv,
    cwd: peerDir,
    logFile,
    timeoutMs: 600_000,
    ready: async () => /^READY /m.test(readFileSync(logFile, 'utf8')),
  });
}
