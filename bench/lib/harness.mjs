// What every bench entry point shares: pinning itself to the driver core, logging, cleanups, and a
// copy of the production build to run from.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { ROOT } from './config.mjs';
import { machine } from './proc.mjs';

/**
 * Re-executes this script under `taskset -c <driver cpu>` (once), so the suite and its load
 * generator stay off the core the servers are pinned to. Answers false when pinning is off.
 */
export function pinSelf(cfg) {
  if (!cfg.pin) return false;
  if (process.env.BENCH_PINNED === '1') return true;
  const nproc = machine().nproc;
  const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  if (nproc < 2 || !hasTaskset) {
    process.stderr.write(`bench: ${nproc < 2 ? 'fewer than 2 cores' : 'no taskset'}; running unpinned\n`);
    cfg.pin = false;
    return false;
  }
  const r = spawnSync(
    'taskset',
    ['-c', String(cfg.driverCpu), process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } },
  );
  process.exit(r.status ?? 1);
}

export function logger() {
  const t0 = Date.now();
  return (msg) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
}

/** A stack of cleanups (servers, database handles, temporary databases), run newest first. */
export function cleanupStack(log) {
  const stack = [];
  const run = async (to = 0) => {
    while (stack.length > to) {
      try {
        await stack.pop()();
      } catch (e) {
        log(`cleanup: ${e.message}`);
      }
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.on(sig, () => {
      log(`${sig}: cleaning up`);
      void run().then(() => process.exit(130));
    });
  return {
    push: (fn) => stack.push(fn),
    run,
    get size() {
      return stack.length;
    },
  };
}

/**
 * `npm run build` (unless cfg.skipBuild), then a copy of dist/ and package.json under `tmp/app`
 * (node_modules linked), so that a rebuild in the working tree during the run changes nothing measured.
 */
export function snapshotBuild(cfg, tmp, log) {
  if (!cfg.skipBuild) {
    log('npm run build (production build of the app)');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  } else log('BENCH_SKIP_BUILD=1: using the existing dist/');
  const app = join(tmp, 'app');
  mkdirSync(app);
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  const hash = createHash('sha256');
  const files = execFileSync('find', ['dist', '-type', 'f', '-name', '*.js'], { cwd: app, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
  for (const f of files) hash.update(f).update(readFileSync(join(app, f)));
  return { app, dist_sha256: hash.digest('hex').slice(0, 16), js_files: files.length, built: !cfg.skipBuild };
}

export function gitDescribe() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    return { head, uncommitted_app_files: dirty };
  } catch {
    return null;
  }
}

/** `text` formatted by the repository's Prettier settings for `file` (so `npm run lint` stays green). */
export async function formatted(file, text) {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

export const sha256 = (s) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * Moves PostgreSQL (every process of the postgres user: the postmaster, so the backends it forks
 * for the bench, and its background writers) to the driver's core for the run, so the database
 * does not share the server's core; a cleanup puts it back on every core. Nothing when pinning is
 * off, BENCH_PIN_POSTGRES=0, or the processes cannot be moved.
 */
export function pinPostgres(cfg, cleanups, log) {
  if (!cfg.pin || !cfg.pinPostgres) return false;
  const pids = spawnSync('pgrep', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const move = (cpus) =>
    pids.every((pid) => spawnSync('taskset', ['-a', '-p', '-c', cpus, pid], { stdio: 'ignore' }).status === 0);
  if (pids.length === 0 || !move(String(cfg.driverCpu))) {
    log('PostgreSQL could not be pinned (not running as root?): it runs on either core');
    return false;
  }
  cleanups.push(() => move(`0-${machine().nproc - 1}`));
  log(`PostgreSQL (${pids.length} processes) pinned to CPU ${cfg.driverCpu} with the load generator`);
  return true;
}
