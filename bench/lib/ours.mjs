// Our server on a fresh database: first start (migrations, admin client), the bench clients through
// the admin API, one real password-grant token, then refresh tokens minted in bulk and checked
// against it. Shared by run.mjs, soak.mjs and profile.mjs.
import { join } from 'node:path';
import { adminCredentials, adminToken, compareShapes, createClients, passwordGrantToken } from './app.mjs';
import { variantNodeFlags, variantServerEnv } from './config.mjs';
import { freshDatabase } from './db.mjs';
import { pinPostgres } from './harness.mjs';
import { mintRefreshTokens, tokenIdOf } from './seed.mjs';
import { startOurServer } from './server.mjs';

export async function prepareOurs(cfg, { variant, tmp, app, cleanups, log, mint, mintChain = 0, nodeBin = 'node' }) {
  const db = await freshDatabase(variant, tmp, cfg);
  cleanups.push(() => db.drop());
  if (db.dialect === 'postgres') pinPostgres(cfg, cleanups, log);
  const admin = adminCredentials();
  const origin = `http://127.0.0.1:${cfg.port}`;

  /** Starts the server (stopped by the cleanups if not before); stop() answers its VmHWM. */
  const start = async (phase, nodeFlags = []) => {
    const s = await startOurServer(cfg, {
      appDir: app,
      databaseUrl: db.url,
      sqliteSynchronous: db.sqliteSynchronous,
      admin,
      logFile: join(tmp, `${variant.replace(':', '-')}-${phase}.log`),
      nodeFlags: [...variantNodeFlags(variant), ...nodeFlags],
      serverEnv: variantServerEnv(variant),
      nodeBin,
    });
    let stopped = null;
    const stop = async () => (stopped ??= await s.stop());
    cleanups.push(stop);
    return { ...s, stop };
  };

  log(`${variant}: first start (migrations, admin client), bench clients via the admin API`);
  const setup = await start('setup');
  const token = await adminToken(origin, admin);
  const clients = await createClients(origin, token);
  const pw = await passwordGrantToken(origin, token, clients.pw);
  const setupPhase = { phase: 'setup', ...(await setup.stop()) };

  const handle = await db.open();
  cleanups.push(() => handle.close().catch(() => {}));
  const t = Date.now();
  const minted = await mintRefreshTokens(handle, clients.rt, Math.max(1, mint));
  const mintSeconds = (Date.now() - t) / 1000;
  log(`${variant}: minted ${minted.length} refresh tokens in ${mintSeconds.toFixed(1)} s`);
  // The chain scenario's starting tokens: one per connection, plus replacements for broken chains.
  const chainStarts = mintChain > 0 ? await mintRefreshTokens(handle, clients.chain, mintChain) : [];
  // Autovacuum would otherwise analyze the minted rows during the first measured runs, on the
  // driver's core; do it before any measurement, as a database in steady state would have.
  if (db.dialect === 'postgres') await handle.exec('VACUUM ANALYZE');
  const shapeDiffs = await compareShapes(handle, pw.refresh_token, minted[0]);
  if (shapeDiffs.length)
    log(`${variant}: WARNING minted rows differ from the password grant's: ${shapeDiffs.join('; ')}`);
  return { db, handle, admin, origin, clients, minted, chainStarts, mintSeconds, shapeDiffs, setupPhase, start };
}

/** Refresh tokens of `clientId` that succeeded another (one per rotation). */
async function successorsOf(handle, clientId) {
  const [row] = await handle.all(
    'SELECT count(*) AS n FROM refresh_token WHERE client_id = ? AND parent_id IS NOT NULL',
    [clientId],
  );
  return Number(row.n);
}

/** How many of `tokens` (sent, never answered) the server rotated anyway. */
async function rotatedAmong(handle, tokens) {
  let n = 0;
  for (let i = 0; i < tokens.length; i += 200) {
    const ids = tokens.slice(i, i + 200).map(tokenIdOf);
    const [row] = await handle.all(
      `SELECT count(*) AS n FROM refresh_token WHERE used_at IS NOT NULL AND id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    n += Number(row.n);
  }
  return n;
}

/**
 * The database side of the refresh check: successors of minted tokens, minted tokens marked used,
 * and how many of the requests left unanswered (in flight when a run stopped) were rotated anyway.
 */
export async function refreshBookkeeping(handle, clientId, unanswered) {
  const unansweredRotated = await rotatedAmong(handle, unanswered);
  const [succ] = await handle.all(
    `SELECT count(*) AS n FROM refresh_token c JOIN refresh_token p ON p.id = c.parent_id
     WHERE p.client_id = ? AND p.parent_id IS NULL`,
    [clientId],
  );
  const [used] = await handle.all(
    'SELECT count(*) AS n FROM refresh_token WHERE client_id = ? AND parent_id IS NULL AND used_at IS NOT NULL',
    [clientId],
  );
  return {
    unanswered_requests: unanswered.length,
    unanswered_but_rotated: unansweredRotated,
    successors_of_minted: Number(succ.n),
    minted_marked_used: Number(used.n),
    all_successors: await successorsOf(handle, clientId),
  };
}

/**
 * The database side of the chain scenario's check: every 200 stored exactly one successor, so the
 * successors of the chain client's tokens equal the 200s plus the requests left unanswered when a run
 * stopped that the server rotated anyway.
 */
export async function chainBookkeeping(handle, clientId, unanswered) {
  const unansweredRotated = await rotatedAmong(handle, unanswered);
  return {
    unanswered_requests: unanswered.length,
    unanswered_but_rotated: unansweredRotated,
    successors: await successorsOf(handle, clientId),
  };
}
