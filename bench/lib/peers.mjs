// The peer servers of ../shared/peer-bench (read-only there): copied to a temporary folder and
// installed with `npm ci` at run time. Their code is never copied into this repository.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Peer name -> the script under servers/ and its environment (as peer-bench's run-all.sh). */
export const PEERS = {
  'ceiling-nest': { script: 'ceiling-nest.mjs', env: {}, title: 'bare NestJS 12 (Express) + jose ES256 (ceiling)' },
  'ceiling-http': { script: 'ceiling-http.mjs', env: {}, title: 'bare node:http + jose ES256' },
  'oidc-jwt': {
    script: 'oidc-provider.mjs',
    env: { AT_FORMAT: 'jwt' },
    title: 'oidc-provider, JWT access tokens (ES256)',
  },
  'oidc-opaque': {
    script: 'oidc-provider.mjs',
    env: { AT_FORMAT: 'opaque' },
    title: 'oidc-provider, opaque access tokens',
  },
};

/** The client every peer server registers (peer-bench lib/common.mjs defaults). */
export const PEER_CLIENT = { id: 'bench-client', secret: 'bench-secret-0123456789abcdef0123456789abcdef' };

/** The copy keeps the source's read-only modes; npm ci needs to write (node_modules is left alone). */
function makeWritable(dir) {
  chmodSync(dir, statSync(dir).mode | 0o700);
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) makeWritable(p);
    else chmodSync(p, st.mode | 0o600);
  }
}

/**
 * Answers { dir, versions } with peer-bench installed in cfg.peerDir, or { skipped: reason } when
 * the source folder is missing or the install fails.
 */
export function preparePeers(cfg, log) {
  if (!existsSync(join(cfg.peerSource, 'package.json')))
    return { skipped: `peer-bench not found at ${cfg.peerSource}: peer comparison skipped` };
  const dir = cfg.peerDir;
  const lock = (d) =>
    existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json'), 'utf8') : '';
  const fresh =
    existsSync(join(dir, 'node_modules', 'autocannon')) &&
    lock(dir) === lock(cfg.peerSource) &&
    existsSync(join(dir, 'servers', 'ceiling-nest.mjs'));
  try {
    if (!fresh) {
      log(`installing peer-bench: copy ${cfg.peerSource} -> ${dir}, npm ci`);
      cpSync(cfg.peerSource, dir, {
        recursive: true,
        force: true,
        filter: (src) => !/\/(node_modules|results)(\/|$)/.test(src.slice(cfg.peerSource.length)),
      });
      makeWritable(dir);
      execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
    }
  } catch (e) {
    return { skipped: `peer-bench install failed (${e.message.split('\n')[0]}): peer comparison skipped` };
  }
  const version = (p) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', p, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  return {
    dir,
    versions: Object.fromEntries(
      ['oidc-provider', '@nestjs/core', '@nestjs/platform-express', 'express', 'jose'].map((p) => [p, version(p)]),
    ),
  };
}
