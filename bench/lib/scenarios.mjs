// The measured scenarios. Every load run is bounded in time (autocannon `duration`) and every
// sequential loop in count and time; the only target is 127.0.0.1.
import { dpopProver } from './dpop.mjs';
import { FORM, basic, http, latencyStats, load } from './load.mjs';
import { loadavg } from './proc.mjs';

const round = (x, d = 2) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

/**
 * A supply of pre-minted refresh tokens, each handed out once. `replace` swaps in the tokens of a
 * restarted peer (the ones left over belonged to the stopped process); `used` keeps counting.
 */
export function tokenSupply(tokens) {
  let list = tokens;
  let next = 0;
  let usedBefore = 0;
  return {
    take: () => (next < list.length ? list[next++] : null),
    replace(fresh) {
      usedBefore += next;
      list = fresh;
      next = 0;
    },
    get used() {
      return usedBefore + next;
    },
    get left() {
      return list.length - next;
    },
  };
}

/**
 * How many refresh tokens the refresh scenario may consume at most over `cfg.rounds` rounds (rate cap
 * x 1.25 + slack). Peers are restarted every round and mint one round's worth.
 */
export function refreshTokensNeeded(cfg) {
  const perRound = cfg.connections.length * (cfg.warmup + cfg.duration) * cfg.refreshMaxRate * 1.25;
  return Math.ceil((cfg.rounds ?? 1) * perRound) + 200;
}

function compact(run) {
  const out = {};
  for (const [k, v] of Object.entries(run)) out[k] = typeof v === 'number' ? round(v) : v;
  return out;
}

function problemsOf(run) {
  const p = [];
  if (run.non2xx) p.push(`non-2xx ${run.non2xx} (${JSON.stringify(run.status)})`);
  if (run.errors) p.push(`errors ${run.errors}`);
  if (run.timeouts) p.push(`timeouts ${run.timeouts}`);
  if (run.exhausted) p.push('ran out of pre-minted refresh tokens');
  return p;
}

const form = (o) => new URLSearchParams(o).toString();

/**
 * client_credentials, refresh_token (rotation, a fresh token per request) or introspection against
 * a token endpoint: a functional check, then per connection count a warm-up and the measured run.
 * `paths` = { token, introspect }; `client` = { id, secret }.
 */
export async function tokenEndpointScenario(cfg, opts) {
  const s = await prepareTokenScenario(cfg, opts);
  for (const c of cfg.connections) await s.measure(c);
  return s.result();
}

/** Scenarios that present pre-minted refresh tokens from a supply. */
const usesTokens = (scenario) => scenario === 'refresh' || scenario === 'refresh-dpop' || scenario === 'chain';

/**
 * The functional check of a token-endpoint scenario, then `measure(c, round)` runs a warm-up and a
 * measured run whenever the caller wants (run.mjs interleaves servers round by round), and
 * `result()` answers { checks, runs, ok200, bad_bodies, unanswered }.
 */
export async function prepareTokenScenario(
  cfg,
  { label, scenario, origin, paths, client, supply, pool, pid, other, probe, log },
) {
  const auth = basic(client.id, client.secret);
  const headers = { authorization: auth, 'content-type': FORM, accept: 'application/json' };
  // refresh-dpop: the refresh scenario with a fresh DPoP proof (RFC 9449) on every request.
  const proof = scenario === 'refresh-dpop' ? dpopProver(`${origin}${paths.token}`) : null;
  const post = (path, body, a = auth, extra = {}) =>
    http(origin, path, { method: 'POST', headers: { ...headers, authorization: a, ...extra }, body });
  const dpopHeader = () => (proof ? { dpop: proof() } : {});
  const ccBody = form({ grant_type: 'client_credentials', scope: 'api:read' });
  const refreshBody = (t) => form({ grant_type: 'refresh_token', refresh_token: t });
  let introspectIndex = 0;
  const introspectBody = () => form({ token: pool[introspectIndex++ % pool.length], token_type_hint: 'refresh_token' });

  // Functional check first.
  const checks = [];
  let ok200 = 0;
  const path = scenario === 'introspect' ? paths.introspect : paths.token;
  const bad = await post(
    path,
    scenario === 'introspect' ? introspectBody() : ccBody,
    basic(client.id, `${client.secret}x`),
  );
  if (bad.status !== 401)
    throw new Error(`[${label}] ${scenario}: a wrong client secret should get 401, got ${bad.status}`);
  checks.push('wrong secret -> 401');
  if (scenario === 'cc') {
    const r = await post(path, ccBody);
    if (r.status !== 200 || !r.data.access_token)
      throw new Error(`[${label}] cc check: ${r.status} ${JSON.stringify(r.data)}`);
    checks.push('client_credentials -> 200 with an access token');
  } else if (usesTokens(scenario)) {
    const t = supply.take();
    const sent = dpopHeader();
    const r = await post(path, refreshBody(t), auth, sent);
    if (r.status !== 200 || !r.data.access_token || !r.data.refresh_token)
      throw new Error(`[${label}] refresh check: ${r.status} ${JSON.stringify(r.data)}`);
    if (r.data.refresh_token === t) throw new Error(`[${label}] refresh check: the refresh token was not rotated`);
    if (proof && r.data.token_type !== 'DPoP')
      throw new Error(`[${label}] refresh check: token_type ${r.data.token_type}, expected DPoP`);
    ok200 += 1;
    const replay = await post(path, refreshBody(t), auth, dpopHeader());
    if (replay.status < 400 || replay.status >= 500)
      throw new Error(`[${label}] replaying a rotated refresh token should fail with 4xx, got ${replay.status}`);
    checks.push(`refresh -> 200, rotated; replay -> ${replay.status} ${replay.data?.error ?? ''}`.trim());
    if (proof) {
      const again = await post(path, refreshBody(supply.take()), auth, sent);
      if (again.status !== 400 || again.data?.error !== 'invalid_dpop_proof')
        throw new Error(`[${label}] a replayed DPoP proof should get 400 invalid_dpop_proof, got ${again.status}`);
      checks.push('DPoP-bound: token_type DPoP; a replayed proof -> 400 invalid_dpop_proof');
    }
  } else {
    const r = await post(path, introspectBody());
    if (r.status !== 200 || r.data.active !== true)
      throw new Error(`[${label}] introspection check: ${r.status} ${JSON.stringify(r.data)}`);
    checks.push('introspection of a minted refresh token -> 200 active');
  }
  log(`[${label}] ${scenario}: ${checks.join('; ')}`);

  const base = { origin, request: { path, headers }, pid, other, probe, overallRate: cfg.rate || undefined };
  if (scenario === 'cc') base.request.body = ccBody;
  // Refresh: every request presents a fresh pre-minted token. Chain: every connection presents the
  // refresh token it got back last, as real clients do: a 200 puts its new token on a stack, and the
  // connection that received it takes it for its next request (autocannon builds that request right
  // after the response's callback: last in, first out), so there are as many chains as connections,
  // each started from one minted token; a run that stops leaves the last tokens on the stack for the
  // next run, and a non-200 ends a chain (a problem of the run) and the connection starts another.
  // Every response is checked (a 200 carries an access token and a new refresh token), and tokens
  // sent but never answered (in flight when a run stops) are kept for the database check.
  const pending = new Set();
  let badBodies = 0;
  const heads = [];
  let broken = 0;
  if (usesTokens(scenario)) {
    const chain = scenario === 'chain';
    base.nextBody = (context) => {
      const t = (chain ? heads.pop() : undefined) ?? supply.take();
      if (t === null) return null;
      context.token = t;
      pending.add(t);
      return proof ? { body: refreshBody(t), headers: { dpop: proof() } } : refreshBody(t);
    };
    base.onResponse = (status, body, context) => {
      pending.delete(context.token);
      if (status !== 200) {
        if (chain) broken += 1;
        return;
      }
      try {
        const j = JSON.parse(body);
        if (!j.access_token || !j.refresh_token || j.refresh_token === context.token) badBodies += 1;
        else if (proof && j.token_type !== 'DPoP') badBodies += 1;
        else if (chain) heads.push(j.refresh_token);
      } catch {
        badBodies += 1;
      }
    };
  }
  if (scenario === 'introspect') base.nextBody = introspectBody;

  const runs = [];
  const measure = async (c, round = 1) => {
    let warm = null;
    const badWarm = badBodies;
    if (cfg.warmup > 0) {
      warm = await load({ ...base, pid: undefined, probe: undefined, connections: c, duration: cfg.warmup });
      ok200 += warm.status[200] ?? 0;
    }
    const load1 = loadavg()[0];
    const usedBefore = supply?.used ?? null;
    const badBefore = badBodies;
    const brokenBefore = broken;
    const m = await load({ ...base, connections: c, duration: cfg.duration });
    ok200 += m.status[200] ?? 0;
    const problems = [...problemsOf(m), ...(warm ? problemsOf(warm).map((p) => `warm-up: ${p}`) : [])];
    if (badBodies > badBefore) problems.push(`${badBodies - badBefore} 200 answers without a rotated refresh token`);
    if (badBefore > badWarm)
      problems.push(`warm-up: ${badBefore - badWarm} 200 answers without a rotated refresh token`);
    if ((scenario === 'refresh' || scenario === 'refresh-dpop') && supply.used - usedBefore < m['2xx'])
      problems.push('more 2xx than distinct tokens sent');
    if (broken > brokenBefore) problems.push(`${broken - brokenBefore} chains broken by a non-200 answer`);
    const run = compact({
      label,
      scenario,
      round,
      ...m,
      tokens_used: usesTokens(scenario) ? supply.used - usedBefore : undefined,
      tokens_left: usesTokens(scenario) ? supply.left : undefined,
      loadavg1_before: load1,
    });
    run.valid = problems.length === 0;
    run.problems = problems;
    delete run.status;
    run.status_counts = m.status;
    runs.push(run);
    log(
      `[${label}] ${scenario} c=${c}${cfg.rounds > 1 ? ` round ${round}` : ''}: ${run.rps_2xx} req/s (2xx) p50 ${run.p50_ms} ms p99 ${run.p99_ms} ms p99.9 ${run.p999_ms} ms non-2xx ${run.non2xx}` +
        ` cpu ${run.server_cpu_pct}% rss peak ${run.rss_peak_mb} MB` +
        (run.eld_p99_ms !== undefined
          ? ` loop delay p99 ${run.eld_p99_ms} max ${run.eld_max_ms} ms gc max ${run.gc_max_ms} ms (${run.gc_major} major)`
          : '') +
        (run.valid ? '' : ` INVALID: ${problems.join('; ')}`),
    );
    return run;
  };
  return {
    measure,
    /** Points the runs at a restarted server process (its CPU and RSS are sampled); its chains start afresh. */
    rebind: (newPid, newProbe) => {
      base.pid = newPid;
      base.probe = newProbe;
      heads.length = 0;
    },
    result: () => ({ checks, runs, ok200, bad_bodies: badBodies, broken_chains: broken, unanswered: [...pending] }),
  };
}

/** The admin list filters measured at each depth. */
export const LIST_FILTERS = (data) => [
  { name: 'none', query: {} },
  { name: 'client_id', query: { client_id: data.filterClient } },
  { name: 'subject', query: { subject: data.heavySubject } },
  { name: 'status=active', query: { status: 'active' } },
];

/**
 * GET /admin/refresh-tokens with `filter`: follows next_cursor page by page (sequential real
 * requests, at most max(depths) pages and `walkSeconds`), keeping the cursor of each depth, then
 * measures each depth with autocannon (1 connection, fixed cursor URL).
 */
export async function adminListScenario(cfg, { origin, token, filter, pid, other, walkSeconds = 300, log }) {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const limit = cfg.listLimit;
  const url = (cursor) => {
    const q = new URLSearchParams({ ...filter.query, limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return `/admin/refresh-tokens?${q}`;
  };
  const depths = [...cfg.listDepths].sort((a, b) => a - b);
  const maxDepth = depths[depths.length - 1];
  const cursors = new Map([[0, null]]);
  const walkLat = [];
  let cursor = null;
  let pages = 0;
  let stop = null;
  const deadline = Date.now() + walkSeconds * 1000;
  while (pages < maxDepth) {
    const r = await http(origin, url(cursor), { headers });
    if (r.status !== 200)
      throw new Error(`admin list ${filter.name} page ${pages}: ${r.status} ${JSON.stringify(r.data)}`);
    walkLat.push(r.ms);
    if (r.data.items.length !== limit) {
      stop = `only ${pages + 1} full pages`;
      break;
    }
    cursor = r.data.next_cursor;
    pages += 1;
    if (!cursor) {
      stop = `only ${pages} pages`;
      break;
    }
    if (depths.includes(pages)) cursors.set(pages, cursor);
    if (Date.now() > deadline) {
      stop = `walk stopped at page ${pages} (time cap ${walkSeconds} s)`;
      break;
    }
  }
  const walk = latencyStats(walkLat);
  log(
    `[admin list ${filter.name}] walked ${walkLat.length} pages: p50 ${round(walk.p50_ms)} ms p95 ${round(walk.p95_ms)} ms max ${round(walk.max_ms)} ms${stop ? ` (${stop})` : ''}`,
  );
  const byDepth = [];
  for (const d of depths) {
    if (!cursors.has(d)) {
      byDepth.push({ depth: d, reached: false, note: stop });
      continue;
    }
    const path = url(cursors.get(d));
    const check = await http(origin, path, { headers });
    if (check.status !== 200 || check.data.items.length !== limit)
      throw new Error(
        `admin list ${filter.name} depth ${d}: ${check.status} ${JSON.stringify(check.data).slice(0, 300)}`,
      );
    const m = await load({
      origin,
      request: { method: 'GET', path, headers },
      connections: 1,
      duration: cfg.listDuration,
      pid,
      other,
    });
    const run = compact({ depth: d, reached: true, ...m });
    delete run.status;
    run.status_counts = m.status;
    run.problems = problemsOf(m);
    run.valid = run.problems.length === 0;
    byDepth.push(run);
    log(
      `[admin list ${filter.name}] depth ${d}: p50 ${run.p50_ms} ms p95 ${run.p95_ms} ms p99 ${run.p99_ms} ms (${run.total} requests)${run.valid ? '' : ` INVALID: ${run.problems.join('; ')}`}`,
    );
  }
  return {
    filter: filter.name,
    query: filter.query,
    limit,
    walk: { pages: walkLat.length, ...Object.fromEntries(Object.entries(walk).map(([k, v]) => [k, round(v)])), stop },
    depths: byDepth,
  };
}

/** POST /admin/refresh-tokens/revoke {subject}: the wall time of one request, checked against the database. */
export async function bulkRevokeScenario({ origin, token, subject, families, handle, log }) {
  const t0 = performance.now();
  const r = await http(origin, '/admin/refresh-tokens/revoke', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    json: { subject },
  });
  const ms = performance.now() - t0;
  const problems = [];
  if (r.status !== 200) problems.push(`status ${r.status} ${JSON.stringify(r.data)}`);
  else if (r.data.revoked !== families) problems.push(`revoked ${r.data.revoked}, expected ${families}`);
  const [f] = await handle.all(
    'SELECT count(*) AS n FROM refresh_token_family WHERE subject = ? AND revoked_at IS NOT NULL',
    [subject],
  );
  const [t] = await handle.all('SELECT count(*) AS n FROM refresh_token WHERE subject = ? AND revoked_at IS NULL', [
    subject,
  ]);
  if (Number(f.n) !== families) problems.push(`${f.n} families revoked in the database, expected ${families}`);
  if (Number(t.n) !== 0) problems.push(`${t.n} tokens of the subject still unrevoked`);
  log(
    `[bulk revoke] ${subject}: ${round(ms)} ms, ${JSON.stringify(r.data)}${problems.length ? ` INVALID: ${problems.join('; ')}` : ''}`,
  );
  return {
    subject,
    families,
    wall_ms: round(ms),
    status: r.status,
    revoked: r.data?.revoked ?? null,
    valid: problems.length === 0,
    problems,
  };
}
