#!/usr/bin/env node
// npm run bench:soak: a steady refresh load (rotation on every request) for SOAK_MINUTES, the
// server's RSS sampled every SOAK_SAMPLE_SECONDS; reports the growth after the first minute
// (target < 10 %). Writes docs/benchmarks-soak.md and docs/benchmarks-soak.json.
//
// Each refresh token is used once: requests take tokens from a queue that starts with a pool minted
// in bulk, and every 200 puts its new refresh token at the end of the queue, so the families grow
// as real clients' would and no token supply runs out however long the soak.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, benchEnv, loadConfig } from './lib/config.mjs';
import { postgresVersion, sqliteVersion } from './lib/db.mjs';
import { cleanupStack, formatted, gitDescribe, logger, pinSelf, snapshotBuild } from './lib/harness.mjs';
import { FORM, basic, load } from './lib/load.mjs';
import { prepareOurs, refreshBookkeeping } from './lib/ours.mjs';
import { CLK_TCK, cpuTicks, loadavg, machine, rssMB, sleep, uidOf } from './lib/proc.mjs';

const cfg = loadConfig();
const machineInfo = machine();
pinSelf(cfg);
const log = logger();
const cleanups = cleanupStack(log);

const env = (name, fallback) => (process.env[name]?.trim() ? Number(process.env[name]) : fallback);
const soak = {
  minutes: env('SOAK_MINUTES', 10),
  variant: process.env.SOAK_DB?.trim() || 'sqlite-normal',
  connections: env('SOAK_CONNECTIONS', 10),
  rate: env('SOAK_RATE', 500), // requests/s in all (about half of what one core serves); 0 = unthrottled
  sampleSeconds: env('SOAK_SAMPLE_SECONDS', 5),
  baselineSeconds: env('SOAK_BASELINE_SECONDS', 60),
  pool: env('SOAK_POOL', 2000),
};
const TARGET_GROWTH_PCT = 10;

async function main() {
  for (const [k, v] of Object.entries(soak))
    if (k !== 'variant' && !(Number.isFinite(v) && v >= 0)) throw new Error(`SOAK setting ${k} is not a number`);
  if (soak.minutes <= 0 || soak.minutes > 24 * 60) throw new Error('SOAK_MINUTES must be between 0 and 1440');
  const duration = Math.round(soak.minutes * 60);
  const baselineAt = Math.min(soak.baselineSeconds, duration / 2);
  const loadStart = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), 'as-soak-'));
  cleanups.push(() => (cfg.keep ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true })));
  const build = snapshotBuild(cfg, tmp, log);
  const ours = await prepareOurs(cfg, { variant: soak.variant, tmp, app: build.app, cleanups, log, mint: soak.pool });
  const server = await ours.start('soak');
  const client = ours.clients.rt;

  // The token queue: minted pool first, then each answer's successor.
  const queue = [...ours.minted];
  let head = 0;
  const pending = new Set();
  let ok200 = 0;
  let bad = 0;
  const statusCounts = {};
  const headers = { authorization: basic(client.client_id, client.client_secret), 'content-type': FORM };

  const samples = [];
  const t0 = Date.now();
  let lastTicks = cpuTicks(server.pid);
  let lastOk = 0;
  let lastT = t0;
  const sampler = setInterval(() => {
    const now = Date.now();
    const ticks = cpuTicks(server.pid);
    samples.push({
      t_s: Math.round((now - t0) / 100) / 10,
      rss_mb: rssMB(server.pid),
      cpu_pct:
        ticks === null || lastTicks === null
          ? null
          : Math.round((1000 * (ticks - lastTicks)) / CLK_TCK / ((now - lastT) / 1000)) / 10,
      rps_2xx: Math.round(((ok200 - lastOk) * 1000) / (now - lastT)),
      queue: queue.length - head,
    });
    lastTicks = ticks;
    lastOk = ok200;
    lastT = now;
  }, soak.sampleSeconds * 1000);

  log(
    `soak: ${soak.minutes} min of refresh on ${soak.variant}, ${soak.connections} connections, ` +
      `${soak.rate ? `${soak.rate} req/s` : 'unthrottled'}, RSS every ${soak.sampleSeconds} s`,
  );
  const run = await load({
    origin: ours.origin,
    request: { path: '/oauth/token', headers },
    connections: soak.connections,
    duration,
    pid: server.pid,
    other: ours.db.dialect === 'postgres' ? { uid: uidOf('postgres'), match: ` ${ours.db.name} ` } : null,
    overallRate: soak.rate || undefined,
    nextBody: (context) => {
      if (head >= queue.length) return null;
      const t = queue[head];
      queue[head++] = undefined;
      if (head > 100_000) {
        queue.splice(0, head);
        head = 0;
      }
      context.token = t;
      pending.add(t);
      return `grant_type=refresh_token&refresh_token=${t}`;
    },
    onResponse: (status, body, context) => {
      pending.delete(context.token);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status !== 200) return;
      ok200 += 1;
      try {
        const j = JSON.parse(body);
        if (!j.refresh_token || j.refresh_token === context.token) bad += 1;
        else queue.push(j.refresh_token);
      } catch {
        bad += 1;
      }
    },
  });
  clearInterval(sampler);
  await sleep(500);
  const book = await refreshBookkeeping(ours.handle, client.client_id, [...pending]);
  const vmHwm = (await server.stop()).vm_hwm_mb;

  // RSS saw-tooths with every garbage collection, so compare medians over windows: the first
  // `win` seconds after the baseline instant against the last `win` seconds of the run.
  const win = Math.max(soak.sampleSeconds, Math.min(60, (duration - baselineAt) / 3));
  const median = (xs) => {
    const v = xs.filter((x) => x !== null).sort((a, b) => a - b);
    return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
  };
  const after = samples.filter((s) => s.t_s >= baselineAt);
  const baseMedian = median(after.filter((s) => s.t_s < baselineAt + win).map((s) => s.rss_mb));
  const endMedian = median(after.filter((s) => s.t_s > duration - win).map((s) => s.rss_mb));
  const maxAfter = after.length ? Math.max(...after.map((s) => s.rss_mb)) : null;
  const growth = baseMedian && endMedian ? (100 * (endMedian - baseMedian)) / baseMedian : null;
  const maxGrowth = baseMedian && maxAfter ? (100 * (maxAfter - baseMedian)) / baseMedian : null;
  // Every 200 rotated exactly one token, and the unanswered ones possibly too.
  const match = book.all_successors === ok200 + book.unanswered_but_rotated && bad === 0;
  const underLoad = loadStart[0] >= cfg.maxLoad;
  const result = {
    generated_at: new Date().toISOString(),
    command: `${Object.entries(benchEnv())
      .filter(([k]) => k !== 'BENCH_PINNED')
      .map(([k, v]) => `${k}=${v} `)
      .join('')}npm run bench:soak`,
    machine: machineInfo,
    versions: {
      node: process.version,
      sqlite: sqliteVersion(),
      postgres: ours.db.dialect === 'postgres' ? await postgresVersion(cfg.pgUrl) : null,
    },
    git: gitDescribe(),
    build: { dist_sha256: build.dist_sha256, built: build.built },
    server_command: server.command,
    conditions: {
      ...soak,
      duration_s: duration,
      baseline_at_s: baselineAt,
      pinning: cfg.pin ? { server_cpu: cfg.serverCpu, driver_cpu: cfg.driverCpu } : null,
      loadavg_at_start: loadStart,
      loadavg_at_end: loadavg(),
      under_load: underLoad,
    },
    totals: {
      requests: run.total,
      responses_200: ok200,
      non2xx: run.non2xx,
      errors: run.errors,
      timeouts: run.timeouts,
      status_counts: statusCounts,
      rps_2xx: Math.round(run.rps_2xx),
      p50_ms: run.p50_ms,
      p99_ms: run.p99_ms,
      server_cpu_pct: run.server_cpu_pct,
      exhausted: run.exhausted,
    },
    check: { ...book, answers_without_new_token: bad, match },
    rss: {
      window_s: win,
      baseline_median_mb: baseMedian,
      final_median_mb: endMedian,
      max_after_baseline_mb: maxAfter,
      growth_pct: growth,
      max_growth_pct: maxGrowth,
      vm_hwm_mb: vmHwm,
      target_pct: TARGET_GROWTH_PCT,
      // Judged only on a full-length soak (at least 10 minutes); shorter runs are checks of the script.
      evaluated: duration >= 600,
      met: growth === null || duration < 600 ? null : growth < TARGET_GROWTH_PCT,
    },
    samples,
  };
  log(
    `soak: ${ok200} refreshes (${result.totals.rps_2xx}/s), non-2xx ${run.non2xx}; RSS median ${baseMedian?.toFixed(0)} MB ` +
      `after ${baselineAt} s -> ${endMedian?.toFixed(0)} MB at the end (${growth?.toFixed(1)} %; highest ${maxGrowth?.toFixed(1)} % over); ` +
      `check ${match ? 'ok' : 'MISMATCH'}`,
  );
  const files = await writeSoakReport(result);
  log(`wrote ${files.join(', ')}`);
  await cleanups.run();
  process.exitCode = match && run.non2xx === 0 && !run.exhausted ? 0 : 1;
}

async function writeSoakReport(r) {
  const dir = cfg.outDir;
  mkdirSync(dir, { recursive: true });
  const f = (x, d = 1) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
  const c = r.conditions;
  const short = c.duration_s < 600;
  const lines = [
    '# Soak: memory under a steady refresh load',
    '',
    `Generated by \`npm run bench:soak\` (bench/soak.mjs) on ${r.generated_at}; samples in \`docs/benchmarks-soak.json\`.`,
    '',
  ];
  if (short)
    lines.push(
      `> **A ${f(c.duration_s / 60, 1)}-minute check run**, not the ${10}-minute soak: the baseline is taken at ${c.baseline_at_s} s instead of after the first minute, so the growth figure only shows that the script works.`,
      '',
    );
  if (r.totals.exhausted || r.totals.non2xx)
    lines.push(
      `> **Invalid run**: ${r.totals.non2xx} non-2xx answers (${JSON.stringify(r.totals.status_counts)})${r.totals.exhausted ? '; the token queue ran dry and the load stopped early' : ''}.`,
      '',
    );
  if (c.under_load)
    lines.push(
      `> **Measured under load**: the 1-minute load average was ${c.loadavg_at_start[0]} at the start; other work shared the cores.`,
      '',
    );
  lines.push(
    '## Conditions',
    '',
    `- Machine: ${r.machine.nproc} × ${r.machine.cpu_model}; Node ${r.versions.node}, SQLite ${r.versions.sqlite}${r.versions.postgres ? `, PostgreSQL ${r.versions.postgres}` : ''}.`,
    `- Command: \`${r.command}\`; build ${r.build.built ? 'made by `npm run build`' : 'from the existing dist/'} (dist sha256 ${r.build.dist_sha256}…)${r.git ? `, git ${r.git.head}` : ''}.`,
    `- Server: \`${r.server_command}\`.`,
    `- Load: refresh_token grant with rotation, ${c.connections} connections, ${c.rate ? `${c.rate} req/s in all` : 'unthrottled'}, for ${c.duration_s} s; every token used once (a queue of ${c.pool} minted tokens refilled by each answer's successor).`,
    `- Pinning: ${c.pinning ? `server on CPU ${c.pinning.server_cpu}, load generator on CPU ${c.pinning.driver_cpu}` : 'none'}. Load average ${c.loadavg_at_start.join(' / ')} at start, ${c.loadavg_at_end.join(' / ')} at the end.`,
    '',
    '## Result',
    '',
    '| Figure | Value |',
    '| --- | ---: |',
    `| Refreshes answered 200 | ${r.totals.responses_200} |`,
    `| req/s (2xx) | ${r.totals.rps_2xx} |`,
    `| p50 / p99 ms | ${f(r.totals.p50_ms, 2)} / ${f(r.totals.p99_ms, 2)} |`,
    `| non-2xx / errors / timeouts | ${r.totals.non2xx} / ${r.totals.errors} / ${r.totals.timeouts} |`,
    `| Server CPU % (of one core) | ${f(r.totals.server_cpu_pct, 0)} |`,
    `| RSS median, ${f(c.baseline_at_s, 0)}–${f(c.baseline_at_s + r.rss.window_s, 0)} s (baseline) MB | ${f(r.rss.baseline_median_mb)} |`,
    `| RSS median, last ${f(r.rss.window_s, 0)} s MB | ${f(r.rss.final_median_mb)} |`,
    `| Highest RSS after the baseline MB | ${f(r.rss.max_after_baseline_mb)} |`,
    `| Growth of the median after the baseline % | ${f(r.rss.growth_pct)} |`,
    `| Highest RSS over the baseline median % | ${f(r.rss.max_growth_pct)} |`,
    `| VmHWM MB | ${f(r.rss.vm_hwm_mb)} |`,
    '',
    `Target: growth < ${r.rss.target_pct} % after the first minute of a 10-minute soak — ${
      !r.rss.evaluated
        ? `not evaluated: a ${f(c.duration_s / 60, 1)}-minute check run`
        : r.rss.met === null
          ? 'not measured'
          : r.rss.met
            ? 'met'
            : `**missed** by ${f(r.rss.growth_pct - r.rss.target_pct)} points`
    }.`,
    '',
    `Check: ${r.totals.responses_200} answers 200 + ${r.check.unanswered_but_rotated} of ${r.check.unanswered_requests} unanswered requests rotated = ${r.totals.responses_200 + r.check.unanswered_but_rotated}; successor rows in the database ${r.check.all_successors}; ${r.check.answers_without_new_token} answers without a new refresh token — ${r.check.match ? 'match' : '**MISMATCH**'}.`,
    '',
    '## RSS samples',
    '',
    '| t s | RSS MB | CPU % | req/s |',
    '| ---: | ---: | ---: | ---: |',
    ...r.samples.map((s) => `| ${s.t_s} | ${f(s.rss_mb)} | ${f(s.cpu_pct, 0)} | ${s.rps_2xx} |`),
    '',
  );
  const md = join(dir, 'benchmarks-soak.md');
  const json = join(dir, 'benchmarks-soak.json');
  writeFileSync(md, await formatted(md, lines.join('\n')));
  writeFileSync(json, await formatted(json, JSON.stringify(r, null, 2)));
  return [relative(ROOT, md), relative(ROOT, json)];
}

main().catch(async (e) => {
  log(`soak failed: ${e.stack ?? e.message}`);
  await cleanups.run();
  process.exit(1);
});
