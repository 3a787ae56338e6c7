// docs/benchmarks.md and docs/benchmarks.json from one run's results (formatted with the repo's Prettier).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './config.mjs';
import { formatted } from './harness.mjs';

/** How the peers and our variants got their refresh tokens across rounds (older reports: nothing). */
function peerRestart(results) {
  const peer = results.peers.find((p) => p.restarted_each_round);
  if (!peer) return ', each up for the whole phase';
  const ours = results.variants.find((v) => v.checks?.minted?.refresh)?.checks.minted.refresh;
  return (
    `; each peer is restarted at the start of every round with that round's ${int(peer.tokens_per_round)} pre-minted refresh tokens in memory` +
    (ours
      ? `, while each of our variants keeps one database for all rounds (${int(ours)} refresh tokens minted before the first, their successors added as the rounds go)`
      : '')
  );
}

export const TARGETS = {
  refreshSqlite: 1.1,
  refreshPostgres: 0.9,
  refreshPostgresP99: 25,
  ccCeiling: 0.9,
  listP95: 10,
  revokeMs: 1000,
  rssMb: 250,
  /** p99 at most this many times the bare NestJS ceiling's p99 in the same round (cc and chain). */
  tailP99: 1.3,
};

const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(d));
const int = (x) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));

/** The median of the finite numbers in `xs` (null when there are none). */
export function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const MEDIAN_FIELDS = [
  'rps_2xx',
  'p50_ms',
  'p90_ms',
  'p99_ms',
  'p999_ms',
  'server_cpu_pct',
  'postgres_cpu_pct',
  'driver_cpu_pct',
  'eld_p99_ms',
  'eld_max_ms',
  'gc_max_ms',
  'gc_major',
];

/**
 * The runs of `scenario` at `c` connections folded into one: medians over the rounds (a report
 * made before rounds existed has one run), non-2xx summed, peak RSS the highest; `rounds` keeps
 * the runs, each with its `round`.
 */
export function runAt(entry, scenario, c) {
  const runs = (entry?.scenarios?.[scenario]?.runs ?? [])
    .filter((r) => r.connections === c)
    .map((r) => ({ ...r, round: r.round ?? 1 }));
  if (runs.length === 0) return null;
  const out = {
    connections: c,
    rounds: runs,
    valid: runs.every((r) => r.valid),
    problems: runs.flatMap((r) => (r.problems ?? []).map((p) => (runs.length > 1 ? `round ${r.round}: ${p}` : p))),
    non2xx: runs.reduce((a, r) => a + (r.non2xx ?? 0), 0),
    rss_peak_mb: Math.max(...runs.map((r) => r.rss_peak_mb ?? 0)),
  };
  for (const k of MEDIAN_FIELDS) out[k] = median(runs.map((r) => r[k]));
  return out;
}

/**
 * A ratio target `measured / reference >= need`, paired round by round (both measured minutes
 * apart at most): the verdict uses the median of the per-round ratios.
 */
function ratioVerdict(ours, ref, need) {
  if (!ours || !ref) return { met: null, value: null, text: 'not measured' };
  if (!ours.valid || !ref.valid) return { met: null, value: null, text: 'not evaluable: a run was invalid' };
  const ratios = [];
  for (const o of ours.rounds) {
    const p = ref.rounds.find((x) => x.round === o.round);
    if (p) ratios.push(o.rps_2xx / p.rps_2xx);
  }
  const r = median(ratios);
  if (r === null) return { met: null, value: null, text: 'not evaluable: no round measured both' };
  const per = ratios.length > 1 ? `; per round ${ratios.map((x) => f(x, 2)).join(', ')}` : '';
  if (r >= need) return { met: true, value: r, ratios, text: `met (${f(r, 2)}× ≥ ${need}×${per})` };
  return {
    met: false,
    value: r,
    ratios,
    text: `missed: ${f(r, 2)}× < ${need}×${per} — ${f(100 * (1 - r / need), 0)} % short; needs +${f(100 * (need / r - 1), 0)} % req/s (≈ ${int(need * ref.rps_2xx)} req/s)`,
  };
}

/**
 * A latency target `ours p99 / reference p99 <= need`, paired round by round like ratioVerdict: the
 * verdict uses the median of the per-round ratios.
 */
export function tailVerdict(ours, ref, need) {
  if (!ours || !ref) return { met: null, value: null, text: 'not measured' };
  if (!ours.valid || !ref.valid) return { met: null, value: null, text: 'not evaluable: a run was invalid' };
  const ratios = [];
  for (const o of ours.rounds) {
    const p = ref.rounds.find((x) => x.round === o.round);
    if (p && p.p99_ms > 0) ratios.push(o.p99_ms / p.p99_ms);
  }
  const r = median(ratios);
  if (r === null) return { met: null, value: null, text: 'not evaluable: no round measured both' };
  const per = ratios.length > 1 ? `; per round ${ratios.map((x) => f(x, 2)).join(', ')}` : '';
  if (r <= need) return { met: true, value: r, ratios, text: `met (${f(r, 2)}× ≤ ${need}×${per})` };
  return { met: false, value: r, ratios, text: `missed: ${f(r, 2)}× > ${need}×${per}` };
}

/** "p99 12.3 vs 9.8 ms (p50 …, p99.9 …)": our tail beside the reference's, medians of the rounds. */
function tailText(ours, ref) {
  if (!ours) return '–';
  const one = (r) =>
    `p50 ${f(r.p50_ms, 1)} / p90 ${f(r.p90_ms, 1)} / p99 ${f(r.p99_ms, 1)} / p99.9 ${f(r.p999_ms, 1)} ms`;
  return `ours ${one(ours)}${ref ? `; ceiling ${one(ref)}` : ''}`;
}

/** "1,234 vs 1,100 req/s" (medians), with the rounds' figures when there are several. */
function versus(ours, ref) {
  if (!ours || !ref) return ours ? `${int(ours.rps_2xx)} req/s` : '–';
  const rounds = ours.rounds.length > 1 ? ` (medians of ${ours.rounds.length} rounds)` : '';
  return `${int(ours.rps_2xx)} vs ${int(ref.rps_2xx)} req/s${rounds}`;
}

function maxVerdict(value, limit, unit) {
  if (value === null || value === undefined) return { met: null, value: null, text: 'not measured' };
  if (value < limit) return { met: true, value, text: `met (${f(value)} ${unit} < ${limit} ${unit})` };
  return {
    met: false,
    value,
    text: `missed: ${f(value)} ${unit} ≥ ${limit} ${unit} — over by ${f(value - limit)} ${unit} (+${f((100 * (value - limit)) / limit, 0)} %)`,
  };
}

/**
 * Our p99 (median of the rounds), beside the peers' p99 in the same rounds for scale, and the mean
 * latency that `c` connections, each with one request in flight, impose at a rate (Little's law:
 * c ÷ rate, with the median 2xx rate of the rounds): the scale a p99 target is to be read against, for
 * ours and for the bare ceiling measured in the same rounds.
 */
function p99Text(ours, ceiling, oidc, c) {
  const per = ours.rounds.length > 1 ? ` (median of ${ours.rounds.map((r) => f(r.p99_ms, 1)).join(' / ')})` : '';
  const peers = [
    ceiling ? `bare NestJS ceiling ${f(ceiling.p99_ms, 1)} ms` : null,
    oidc ? `oidc-provider ${f(oidc.p99_ms, 1)} ms` : null,
  ].filter(Boolean);
  const mean = (run) => `${f((1000 * c) / run.rps_2xx, 1)} ms at ${int(run.rps_2xx)} req/s`;
  const means = [`ours ${mean(ours)}`, ceiling ? `ceiling ${mean(ceiling)}` : null].filter(Boolean);
  return (
    `p99 ${f(ours.p99_ms, 1)} ms${per}${peers.length ? `; same rounds: ${peers.join(', ')}` : ''}` +
    `; mean latency with ${c} requests in flight (${c} ÷ rate): ${means.join(', ')}`
  );
}

export function evaluateTargets(results) {
  const c = results.conditions.connections.includes(50) ? 50 : Math.max(...results.conditions.connections);
  const peer = (name) => results.peers.find((p) => p.peer === name);
  const variant = (name) => results.variants.find((v) => v.variant === name);
  const oidc = runAt(peer('oidc-jwt'), 'refresh', c);
  const oidcChain = runAt(peer('oidc-jwt'), 'chain', c);
  const ceiling = runAt(peer('ceiling-nest'), 'cc', c);
  const ceilingChain = runAt(peer('ceiling-nest'), 'chain', c);
  const out = [];
  // Every target once per runtime (BENCH_RUNTIMES): `sqlite-full`, then `sqlite-full@node20`, ...
  const suffixes = (results.versions.runtimes ?? [{ suffix: '' }]).map((r) => r.suffix);
  for (const suffix of suffixes) {
    for (const name of ['sqlite-normal', 'sqlite-full']) {
      const v = variant(`${name}${suffix}`);
      if (!v) continue;
      const ours = runAt(v, 'refresh', c);
      if (ours)
        out.push({
          id: `refresh-${v.variant}`,
          target: `refresh with rotation, c=${c}: ${v.variant} ≥ ${TARGETS.refreshSqlite}× oidc-provider (JWT)`,
          measured: versus(ours, oidc),
          ...ratioVerdict(ours, oidc, TARGETS.refreshSqlite),
        });
      const chain = runAt(v, 'chain', c);
      if (chain)
        out.push({
          id: `chain-${v.variant}`,
          target: `refresh chains, c=${c}: ${v.variant} ≥ ${TARGETS.refreshSqlite}× oidc-provider (JWT)`,
          measured: versus(chain, oidcChain),
          ...ratioVerdict(chain, oidcChain, TARGETS.refreshSqlite),
        });
    }
    const pgv = variant(`postgres${suffix}`);
    if (pgv) {
      const ours = runAt(pgv, 'refresh', c);
      if (ours) {
        out.push({
          id: `refresh-${pgv.variant}`,
          target: `refresh with rotation, c=${c}: ${pgv.variant} ≥ ${TARGETS.refreshPostgres}× oidc-provider (JWT)`,
          measured: versus(ours, oidc),
          ...ratioVerdict(ours, oidc, TARGETS.refreshPostgres),
        });
        out.push({
          id: `refresh-${pgv.variant}-p99`,
          target: `refresh with rotation, c=${c}: ${pgv.variant} p99 < ${TARGETS.refreshPostgresP99} ms`,
          measured: p99Text(ours, runAt(peer('ceiling-nest'), 'refresh', c), oidc, c),
          ...maxVerdict(ours?.valid ? ours.p99_ms : null, TARGETS.refreshPostgresP99, 'ms'),
        });
      }
      const chain = runAt(pgv, 'chain', c);
      if (chain)
        out.push({
          id: `chain-${pgv.variant}`,
          target: `refresh chains, c=${c}: ${pgv.variant} ≥ ${TARGETS.refreshPostgres}× oidc-provider (JWT)`,
          measured: versus(chain, oidcChain),
          ...ratioVerdict(chain, oidcChain, TARGETS.refreshPostgres),
        });
    }
  }
  for (const v of results.variants) {
    const ours = runAt(v, 'cc', c);
    if (!ours) continue;
    out.push({
      id: `cc-${v.variant}`,
      target: `client_credentials, c=${c}: ${v.variant} ≥ ${TARGETS.ccCeiling}× bare NestJS ceiling`,
      measured: versus(ours, ceiling),
      ...ratioVerdict(ours, ceiling, TARGETS.ccCeiling),
    });
  }
  // Tail latency: p99 against the ceiling's p99 of the same scenario in the same round.
  for (const v of results.variants)
    for (const [scenario, ref, what] of [
      ['cc', ceiling, 'client_credentials'],
      ['chain', ceilingChain, 'refresh chains'],
    ]) {
      const ours = runAt(v, scenario, c);
      if (!ours) continue;
      out.push({
        id: `tail-${scenario}-${v.variant}`,
        target: `${what}, c=${c}: ${v.variant} p99 ≤ ${TARGETS.tailP99}× the bare NestJS ceiling's p99`,
        measured: tailText(ours, ref),
        ...tailVerdict(ours, ref, TARGETS.tailP99),
      });
    }
  for (const v of results.variants) {
    if (!v.scenarios?.list) continue;
    let worst = null;
    for (const l of v.scenarios.list)
      for (const d of l.depths)
        if (d.reached && (!worst || d.p95_ms > worst.p95))
          worst = { p95: d.p95_ms, where: `${l.filter}, depth ${d.depth}` };
    const rows = v.checks?.seed?.rows_in_refresh_token;
    out.push({
      id: `list-${v.variant}`,
      target: `admin list p95 < ${TARGETS.listP95} ms for any page (${v.variant}, ${int(rows)} rows)`,
      measured: worst ? `worst p95 ${f(worst.p95, 2)} ms (${worst.where})` : '–',
      ...maxVerdict(worst?.p95, TARGETS.listP95, 'ms'),
    });
  }
  for (const v of results.variants) {
    if (!v.scenarios?.revoke?.length) continue;
    const worst = Math.max(...v.scenarios.revoke.map((r) => r.wall_ms));
    const valid = v.scenarios.revoke.every((r) => r.valid);
    out.push({
      id: `revoke-${v.variant}`,
      target: `bulk revocation of ${int(v.scenarios.revoke[0].families)} families < ${TARGETS.revokeMs} ms (${v.variant})`,
      measured: `worst of ${v.scenarios.revoke.length}: ${f(worst, 0)} ms`,
      ...(valid
        ? maxVerdict(worst, TARGETS.revokeMs, 'ms')
        : { met: null, text: 'not evaluable: a revocation failed its check' }),
    });
  }
  for (const v of results.variants) {
    const peaks = (v.phases ?? []).map((p) => p.vm_hwm_mb).filter((x) => x !== null && x !== undefined);
    if (!peaks.length) continue;
    const sampled = Object.values(v.scenarios ?? {})
      .flatMap((s) => (Array.isArray(s) ? s.flatMap((l) => l.depths ?? []) : (s.runs ?? [])))
      .map((r) => r.rss_peak_mb)
      .filter((x) => typeof x === 'number');
    out.push({
      id: `rss-${v.variant}`,
      target: `peak RSS < ${TARGETS.rssMb} MB (${v.variant}, VmHWM over each server lifetime)`,
      measured: `VmHWM ${f(Math.max(...peaks), 0)} MB${sampled.length ? ` (highest VmRSS sample during a run ${f(Math.max(...sampled), 0)} MB)` : ''}`,
      ...maxVerdict(Math.max(...peaks), TARGETS.rssMb, 'MB'),
    });
  }
  return out;
}

/** A Markdown table; columns whose cells are all numbers (or –) are right-aligned. */
function table(head, rows) {
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d,.]+$|^–$/.test(String(r[i]))));
  return [
    `| ${head.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((x) => String(x).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}

function tokenRows(results) {
  const rows = [];
  const names = {
    cc: 'client_credentials',
    refresh: 'refresh (rotation)',
    'refresh-dpop': 'refresh with DPoP (rotation, a proof per request)',
    chain: 'refresh (chains)',
    introspect: 'introspection',
  };
  const push = (server, db, entry, node) => {
    for (const scenario of ['cc', 'refresh', 'refresh-dpop', 'chain', 'introspect'])
      for (const c of [...new Set((entry.scenarios?.[scenario]?.runs ?? []).map((x) => x.connections))]) {
        const r = runAt(entry, scenario, c);
        rows.push([
          server,
          db,
          node ?? '–',
          names[scenario],
          String(r.connections),
          int(r.rps_2xx),
          r.rounds.map((x) => int(x.rps_2xx)).join(' / '),
          f(r.p50_ms, 2),
          f(r.p90_ms, 2),
          f(r.p99_ms, 2),
          f(r.p999_ms, 2),
          f(r.eld_p99_ms, 1),
          f(r.eld_max_ms, 1),
          f(r.gc_max_ms, 1),
          int(r.non2xx),
          f(r.server_cpu_pct, 0),
          r.postgres_cpu_pct === null || r.postgres_cpu_pct === undefined ? '–' : f(r.postgres_cpu_pct, 0),
          f(r.rss_peak_mb, 0),
          f(r.driver_cpu_pct, 0),
          r.valid ? 'yes' : `**no**: ${r.problems.join('; ')}`,
        ]);
      }
  };
  for (const p of results.peers) push(p.peer, 'in memory', p, results.versions.node);
  for (const v of results.variants) push('ours', v.variant, v, v.runtime ?? results.versions.node);
  return rows;
}

export function renderMarkdown(results, jsonPath = 'docs/benchmarks.json') {
  const c = results.conditions;
  const m = results.machine;
  const marks = [];
  if (c.under_load)
    marks.push(
      `**Every figure in this report was measured under load**: the 1-minute load average was ${c.loadavg_at_start[0]} (≥ ${c.max_load}) when the suite started, so other work shared the two cores. Treat the figures as indicative only.`,
    );
  if (c.quick)
    marks.push(
      `**Quick mode** (BENCH_QUICK=1): ${c.duration_s} s runs after ${c.warmup_s} s warm-ups — a smoke check, not a measurement to quote.`,
    );
  const caption = marks.length
    ? `\n> ${c.under_load ? 'Measured under load' : ''}${c.under_load && c.quick ? ', ' : ''}${c.quick ? 'quick mode' : ''}: see the note at the top.\n`
    : '';
  const targets = evaluateTargets(results);
  const out = [];
  out.push('# Benchmarks', '');
  out.push(
    `Generated by \`npm run bench\` (bench/run.mjs) on ${results.generated_at}; the raw figures are in \`${jsonPath}\`. Figures are comparable only within one run on one machine.`,
    '',
  );
  for (const mk of marks) out.push(`> ${mk}`, '');
  out.push('## Conditions', '');
  out.push(
    `- Machine: ${m.nproc} × ${m.cpu_model}, ${m.mem_gib} GiB, Linux ${m.kernel}.`,
    `- Versions: Node ${results.versions.node} (the suite and the peers)${(results.versions.runtimes ?? []).length > 1 ? `; our server on ${results.versions.runtimes.map((r) => `Node ${r.version} (${r.primary ? 'variants without a suffix' : `variants \`…${r.suffix}\``}, better-sqlite3 ${r.better_sqlite3})`).join(' and ')}, in the same rounds` : ''}, SQLite ${results.versions.sqlite} (better-sqlite3), PostgreSQL ${results.versions.postgres ?? 'not used'}, autocannon ${results.versions.autocannon}, NestJS ${results.versions.app_nestjs_core}` +
      (results.versions.peers
        ? `; peers: oidc-provider ${results.versions.peers['oidc-provider']}, NestJS ${results.versions.peers['@nestjs/core']}, jose ${results.versions.peers.jose}.`
        : '.'),
    `- Command: \`${results.command}\`; app build ${results.build.built ? 'made by `npm run build`' : 'taken from the existing dist/ (BENCH_SKIP_BUILD=1)'}, copied aside before the run (dist sha256 ${results.build.dist_sha256}…, ${results.build.js_files} files)${results.git ? `, git ${results.git.head} with ${results.git.uncommitted_app_files} uncommitted files under apps/ and libs/` : ''}.`,
    `- Pinning: ${c.pinning ? `each server on CPU ${c.pinning.server_cpu} (\`taskset -c ${c.pinning.server_cpu}\`), the suite and its load generator (autocannon, in-process) on CPU ${c.pinning.driver_cpu}. ${c.pinning.postgres_cpu !== null && c.pinning.postgres_cpu !== undefined ? `PostgreSQL's processes on CPU ${c.pinning.postgres_cpu} with the load generator (\`taskset -a -p\`, undone afterwards), off the server's core` : "PostgreSQL's own processes are not pinned and run on either core"}` : 'none (BENCH_PIN=0)'}.`,
    `- Load: ${c.connections.join(' and ')} connections, ${c.warmup_s} s warm-up (discarded) then ${c.duration_s} s measured, per scenario and connection count; keep-alive, no pipelining; ${c.rate ? `**a fixed offered rate of ${int(c.rate)} requests/s in all** (BENCH_RATE), so latencies show stalls rather than queueing at saturation` : 'each connection sends its next request as soon as the previous one is answered (the server saturated)'}.`,
    `- Rounds: ${c.rounds ?? 1}. ${(c.rounds ?? 1) > 1 ? `Every token-endpoint server (peers and each database variant) has its own port and is pinned to the same core${peerRestart(results)}; in each round every server runs each scenario and connection count once, back to back, the order rotated by one from round to round. Figures are medians of the rounds; a ratio target is the median of the ratios of the same round (measured minutes apart at most), because this machine’s speed drifts by tens of percent within minutes. Introspection (no peer to compare with) runs in one round.` : 'One run per server, scenario and connection count.'}`,
    `- Admin list: ${int(c.list.rows)} seeded refresh tokens (plus the token-endpoint rows), limit ${c.list.limit}, depths ${c.list.depths.join(', ')} (pages reached by following next_cursor that many times), each depth measured for ${c.list.duration_s} s with 1 connection on a fixed cursor URL.`,
    `- Bulk revocation: a subject with ${int(c.revoke.families)} active families (2 tokens each), ${c.revoke.repeats} times, each with a fresh subject.`,
    `- Load average (1/5/15 min): ${c.loadavg_before.join(' / ')} before, ${c.loadavg_at_start.join(' / ')} at start, ${(c.loadavg_at_end ?? []).join(' / ')} at the end (the suite itself keeps ~2 cores busy). Total time ${results.elapsed_s} s.`,
    '',
  );
  out.push(
    'How figures are taken: requests/s = 2xx responses completed in the measured run ÷ its duration; latencies are exact per response (autocannon `response` events, not its 1 ms histogram); server CPU = utime+stime of the server process from /proc/<pid>/stat over the run, in % of one core (100 % = the pinned core saturated); PostgreSQL CPU = the same summed over the PostgreSQL backends serving the bench database (its WAL writer and checkpointer, shared with other databases, are not counted); driver CPU = the load generator’s own CPU (process.cpuUsage), to show it was not the bottleneck; peak RSS = VmRSS sampled every 250 ms during the run; the memory target uses VmHWM (kernel high-water mark) over each server lifetime. Every refresh request presents a fresh, never-used refresh token.',
    '',
  );

  out.push('## Targets', caption);
  out.push(
    table(
      ['Target', 'Measured', 'Verdict'],
      targets.map((t) => [
        t.target,
        t.measured,
        t.met === true ? `✅ ${t.text}` : t.met === false ? `❌ ${t.text}` : `⚠️ ${t.text}`,
      ]),
    ),
    '',
  );
  if (results.peers_skipped) out.push(`Peers: ${results.peers_skipped}.`, '');
  const notes = join(ROOT, 'bench', 'remaining-costs.md');
  if (existsSync(notes)) {
    out.push('### Where the time goes (from the profiles; hand-written in bench/remaining-costs.md)', '');
    out.push(readFileSync(notes, 'utf8').trim(), '');
  }
  const history = join(ROOT, 'bench', 'performance-history.md');
  if (existsSync(history)) {
    out.push('## Earlier runs and what changed (hand-written in bench/performance-history.md)', '');
    out.push(readFileSync(history, 'utf8').trim(), '');
  }

  out.push('## Token endpoint', caption);
  out.push(
    table(
      [
        'Server',
        'Database',
        'Node',
        'Scenario',
        'Conns',
        'req/s',
        'req/s by round',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'Loop delay p99 ms',
        'Loop delay max ms',
        'GC max ms',
        'non-2xx',
        'Server CPU %',
        'PG CPU %',
        'Peak RSS MB',
        'Driver CPU %',
        'Valid',
      ],
      tokenRows(results),
    ),
    '',
  );
  if (results.peers.length)
    out.push(
      'Peers (from ../shared/peer-bench, run in the same session with the same load generator): ' +
        results.peers.map((p) => `\`${p.peer}\` = ${p.title}`).join('; ') +
        '. Their stores are in memory and hold every pre-minted token of a round, so their RSS is not comparable.',
      '',
    );

  const lists = results.variants.filter((v) => v.scenarios?.list);
  if (lists.length) {
    out.push('## Admin list `GET /admin/refresh-tokens`', caption);
    for (const v of lists) {
      out.push(`### ${v.variant} (${int(v.checks?.seed?.rows_in_refresh_token)} rows in refresh_token)`, '');
      const rows = [];
      for (const l of v.scenarios.list)
        for (const d of l.depths)
          rows.push(
            d.reached
              ? [
                  l.filter,
                  String(d.depth),
                  f(d.p50_ms, 2),
                  f(d.p95_ms, 2),
                  f(d.p99_ms, 2),
                  int(d.total),
                  f(d.server_cpu_pct, 0),
                  d.valid ? 'yes' : `**no**: ${d.problems.join('; ')}`,
                ]
              : [l.filter, String(d.depth), '–', '–', '–', '–', '–', `not reached: ${d.note}`],
          );
      out.push(table(['Filter', 'Depth', 'p50 ms', 'p95 ms', 'p99 ms', 'Requests', 'Server CPU %', 'Valid'], rows), '');
      out.push(
        table(
          ['Filter', 'Pages walked', 'Walk p50 ms', 'Walk p95 ms', 'Walk max ms'],
          v.scenarios.list.map((l) => [
            `${l.filter} ${JSON.stringify(l.query)}`,
            int(l.walk.pages),
            f(l.walk.p50_ms, 2),
            f(l.walk.p95_ms, 2),
            f(l.walk.max_ms, 2),
          ]),
        ),
        '',
      );
    }
    out.push(
      'Seeded data: families of 4 tokens (3 rotated, 1 current) created over the last 20 days, 10 % revoked, 5 % past their absolute expiry, current tokens idle-expiring after 14 days; clients list-client-a/b/c at 50/30/20 % (the client_id filter uses list-client-b); 10,000 ordinary subjects plus one subject with 60,000 tokens (the subject filter). The walk column gives the latency of every page while following next_cursor, measured with one sequential client (fetch, so a little slower than autocannon).',
      '',
    );
  }

  const revokes = results.variants.filter((v) => v.scenarios?.revoke?.length);
  if (revokes.length) {
    out.push('## Bulk revocation `POST /admin/refresh-tokens/revoke {"subject"}`', caption);
    const rows = [];
    for (const v of revokes)
      v.scenarios.revoke.forEach((r, i) =>
        rows.push([
          v.variant,
          String(i + 1),
          int(r.families),
          f(r.wall_ms, 1),
          int(r.revoked),
          r.valid ? 'yes' : `**no**: ${r.problems.join('; ')}`,
        ]),
      );
    out.push(table(['Database', 'Repeat', 'Families', 'Wall ms', 'Answer revoked', 'Checked in DB'], rows), '');
  }

  out.push('## Memory', caption);
  const mem = [];
  for (const v of results.variants) for (const p of v.phases ?? []) mem.push([v.variant, p.phase, f(p.vm_hwm_mb, 0)]);
  out.push(table(['Database', 'Server lifetime', 'VmHWM MB'], mem), '');

  out.push('## Checks', '');
  for (const v of results.variants) {
    const ch = v.checks ?? {};
    const lines = [];
    const sc = ch.successors;
    if (sc)
      lines.push(
        `refresh: ${int(sc.responses_200)} responses 200 (functional check, warm-ups and runs; ${int(sc.responses_200_without_rotated_token)} without a new refresh token) + ${int(sc.unanswered_but_rotated)} of ${int(sc.unanswered_requests)} requests in flight when a run stopped that the server rotated = ${int(sc.responses_200 + sc.unanswered_but_rotated)}; successors of minted tokens in the database ${int(sc.successors_of_minted)}, minted tokens marked used ${int(sc.minted_marked_used)} — ${sc.match ? 'match' : '**MISMATCH**'}`,
      );
    const cc = ch.chain;
    if (cc)
      lines.push(
        `chains: ${int(cc.responses_200)} responses 200 + ${int(cc.unanswered_but_rotated)} of ${int(cc.unanswered_requests)} unanswered requests rotated anyway = ${int(cc.responses_200 + cc.unanswered_but_rotated)}; successors of the chain client's tokens in the database ${int(cc.successors)}; chains broken by a non-200 ${int(cc.broken_chains)} — ${cc.match ? 'match' : '**MISMATCH**'}`,
      );
    if (ch.minted_shape)
      lines.push(
        `minted rows vs a password-grant token: ${Array.isArray(ch.minted_shape) ? `**differ**: ${ch.minted_shape.join('; ')}` : ch.minted_shape}`,
      );
    for (const s of ['cc', 'refresh', 'refresh-dpop', 'chain', 'introspect'])
      if (v.scenarios?.[s]?.checks) lines.push(`${s} functional check: ${v.scenarios[s].checks.join('; ')}`);
    if (v.error) lines.push(`**failed**: ${v.error}`);
    out.push(`- ${v.variant}: ${lines.join('. ') || 'no checks'}.`);
  }
  for (const p of results.peers) if (p.error) out.push(`- peer ${p.peer}: **failed**: ${p.error}.`);
  out.push('');

  out.push('## Server commands', '');
  for (const v of results.variants) if (v.command) out.push(`- ${v.variant}: \`${v.command}\``);
  for (const p of results.peers) out.push(`- ${p.peer}: \`${p.command}\` (in the peer-bench copy)`);
  out.push('');
  return { markdown: out.join('\n'), targets };
}

export async function writeReport(cfg, results) {
  mkdirSync(cfg.outDir, { recursive: true });
  const md = join(cfg.outDir, 'benchmarks.md');
  const json = join(cfg.outDir, 'benchmarks.json');
  const { markdown, targets } = renderMarkdown(results, relative(ROOT, json));
  writeFileSync(md, await formatted(md, markdown));
  writeFileSync(json, await formatted(json, JSON.stringify({ ...results, targets }, null, 2)));
  return [relative(ROOT, md), relative(ROOT, json)];
}
