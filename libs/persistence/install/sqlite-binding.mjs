// Runs as the project's `postinstall`: makes better-sqlite3's native module match the Node.js that
// runs the project.
//
// The project runs on the Node.js 24 that the `node` package puts at node_modules/.bin/node (npm
// puts that directory first on PATH for every script). npm may run better-sqlite3's own install
// step before that binary exists, or with headers of another Node.js (npm's `nodedir`), which
// leaves a module built for the wrong ABI (NODE_MODULE_VERSION). This step loads the module with
// the Node.js that runs it and, when that fails, rebuilds it from source against that Node.js's
// own headers (the `node` package and the official images ship them next to the binary): no
// download, as the machines reach the npm registry only.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function loads() {
  // In a child process: a failed dlopen is not something to recover from in this one.
  const probe = "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()";
  const run = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  return { ok: run.status === 0, detail: (run.stderr || '').split('\n').find((l) => /Error|VERSION/.test(l)) };
}

if (!existsSync(join(root, 'node_modules/better-sqlite3'))) process.exit(0);

const first = loads();
if (first.ok) {
  console.log(`better-sqlite3 loads on Node.js ${process.version}`);
  process.exit(0);
}

// Headers of this very Node.js: <prefix>/include/node next to <prefix>/bin/node (official builds,
// Debian's), or the platform package that the `node` package installed the binary from.
function headersDir() {
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  const candidates = [prefix];
  const platforms = join(root, 'node_modules/node/node_modules');
  if (existsSync(platforms)) {
    for (const name of readdirSync(platforms)) {
      if (!name.startsWith('node-')) continue;
      const dir = join(platforms, name);
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg) && `v${JSON.parse(readFileSync(pkg, 'utf8')).version}` === process.version)
        candidates.push(dir);
    }
  }
  return candidates.find((dir) => existsSync(join(dir, 'include/node/node.h'))) ?? prefix;
}
const nodedir = headersDir();
if (!existsSync(join(nodedir, 'include/node/node.h'))) {
  console.error(
    `better-sqlite3 does not load on Node.js ${process.version} (${first.detail ?? 'unknown error'}), ` +
      `and ${nodedir}/include/node has no headers to rebuild it with`,
  );
  process.exit(1);
}
console.log(`better-sqlite3 does not load on Node.js ${process.version}; rebuilding it against ${nodedir}`);
const npmCli = process.env.npm_execpath;
const [cmd, args] = npmCli ? [process.execPath, [npmCli]] : ['npm', []];
const rebuild = spawnSync(cmd, [...args, 'rebuild', 'better-sqlite3'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir, npm_config_build_from_source: 'true' },
});
const after = loads();
if (rebuild.status !== 0 || !after.ok) {
  console.error(
    `better-sqlite3 still does not load on Node.js ${process.version}: ${after.detail ?? 'rebuild failed'}`,
  );
  process.exit(1);
}
console.log(`better-sqlite3 rebuilt for Node.js ${process.version}`);
