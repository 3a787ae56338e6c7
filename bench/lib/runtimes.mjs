// The Node.js runtimes our server is measured on (BENCH_RUNTIMES), and an app folder each can run.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ROOT } from './config.mjs';

/** The better-sqlite3 line that runs on Node.js 20 (13 needs 22 and crashes on 20). */
const OLD_SQLITE = '12.11.1';

/** `node` (the suite's own), or a path / a name on PATH; answers { name, bin, version, major, suffix }. */
export function resolveRuntimes(entries) {
  const seen = new Set();
  return entries.map((entry, i) => {
    let bin = entry === 'node' ? process.execPath : entry;
    if (!isAbsolute(bin)) bin = execFileSync('sh', ['-c', `command -v "${bin}"`], { encoding: 'utf8' }).trim();
    const version = execFileSync(bin, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    const major = Number(version.slice(1).split('.')[0]);
    if (seen.has(major)) throw new Error(`BENCH_RUNTIMES: two runtimes of Node.js ${major}`);
    seen.add(major);
    return { entry, bin, version, major, primary: i === 0, suffix: i === 0 ? '' : `@node${major}` };
  });
}

/**
 * The app folder `runtime` runs from: the build snapshot itself on Node.js 22 and later; on an older
 * one, a folder beside it whose node_modules (hard links to the project's) holds better-sqlite3 12
 * built for that Node.js, kept in node_modules/.cache/bench-runtimes/ for later runs. Building it
 * takes the package from the npm registry and compiles it against that Node.js's own headers.
 */
export function appFor(runtime, snapshot, tmp, log) {
  if (runtime.major >= 22) return { app: snapshot, better_sqlite3: 'project (13)' };
  const prefix = dirname(dirname(realpathSync(runtime.bin)));
  const cache = join(
    ROOT,
    'node_modules',
    '.cache',
    'bench-runtimes',
    `${runtime.version}-better-sqlite3-${OLD_SQLITE}`,
  );
  const probe = () =>
    spawnSync(runtime.bin, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], {
      cwd: cache,
    }).status === 0;
  if (!existsSync(join(cache, 'node_modules', 'better-sqlite3')) || !probe()) {
    log(`Node.js ${runtime.version}: building better-sqlite3 ${OLD_SQLITE} for it (headers from ${prefix}; once)`);
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'package.json'), JSON.stringify({ name: 'bench-runtime', private: true }));
    // npm and its install scripts on that runtime, from source (no prebuilt download), its headers.
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `better-sqlite3@${OLD_SQLITE}`], {
      cwd: cache,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PATH: `${dirname(runtime.bin)}:${process.env.PATH}`,
        npm_config_build_from_source: 'true',
        npm_config_nodedir: prefix,
      },
    });
    if (r.status !== 0 || !probe())
      throw new Error(`better-sqlite3 ${OLD_SQLITE} could not be built for Node.js ${runtime.version}`);
  }
  const app = join(tmp, `app-node${runtime.major}`);
  mkdirSync(app);
  cpSync(join(snapshot, 'dist'), join(app, 'dist'), { recursive: true });
  cpSync(join(snapshot, 'package.json'), join(app, 'package.json'));
  // Hard links: seconds for the whole tree, no space; the replaced package is unlinked, not written.
  execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(app, 'node_modules')]);
  rmSync(join(app, 'node_modules', 'better-sqlite3'), { recursive: true, force: true });
  for (const pkg of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
    const to = join(app, 'node_modules', pkg);
    if (!existsSync(to)) execFileSync('cp', ['-al', join(cache, 'node_modules', pkg), to]);
  }
  return { app: resolve(app), better_sqlite3: OLD_SQLITE };
}
