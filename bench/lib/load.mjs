// The load generator: autocannon with exact per-response latencies (its own histogram is 1 ms
// granular), a count per status code, and the server's CPU and RSS over the measured run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sleep, startSampler } from './proc.mjs';

/**
 * The event-loop and GC probe of a server started with bench/lib/eld-probe.mjs: `take()` signals it
 * and answers the figures since the previous take (null when it does not answer within 2 s).
 */
export function probeOf(dir, pid) {
  const file = join(dir, `${pid}.jsonl`);
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  return {
    async take() {
      const before = lines().length;
      try {
        process.kill(pid, 'SIGWINCH');
      } catch {
        return null;
      }
      for (let i = 0; i < 100; i += 1) {
        const now = lines();
        if (now.length > before) return JSON.parse(now[now.length - 1]);
        await sleep(20);
      }
      return null;
    },
  };
}

export const basic = (id, secret) =>
  'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

export const FORM = 'application/x-www-form-urlencoded';

function pct(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function latencyStats(values) {
  const sorted = Float64Array.from(values).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    mean_ms: sorted.length ? sum / sorted.length : null,
    p50_ms: pct(sorted, 0.5),
    p90_ms: pct(sorted, 0.9),
    p95_ms: pct(sorted, 0.95),
    p99_ms: pct(sorted, 0.99),
    p999_ms: pct(sorted, 0.999),
    max_ms: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

/**
 * One autocannon run against `origin`. `request` is {method, path, headers, body}; with
 * `nextBody(context)` every request gets a fresh body, or `{ body, headers }` with headers of its own
 * (null when the supply is exhausted: the run then stops early and is flagged). `onResponse(status, body, context)` sees every response, with the
 * context its request was built with (costs the driver a little CPU).
 * With `pid`, the server's CPU and RSS are sampled over the run.
 */
export async function load(opts) {
  // The probe's figures cover the measured run only: one take before it (discarded), one after.
  if (opts.probe) await opts.probe.take();
  const run = await loadRun(opts);
  if (opts.probe) {
    const p = await opts.probe.take();
    if (p) for (const [k, v] of Object.entries(p)) if (k !== 'at') run[k] = v;
  }
  return run;
}

function loadRun({
  origin,
  request,
  nextBody,
  onResponse,
  connections,
  duration,
  pid,
  other = null,
  overallRate,
  timeout = 10,
}) {
  let exhausted = false;
  const req = { method: request.method ?? 'POST', path: request.path, headers: request.headers };
  if (nextBody) {
    req.setupRequest = (r, context) => {
      const next = nextBody(context);
      if (next === null) {
        exhausted = true;
        return { ...r, body: request.body ?? '' };
      }
      if (typeof next === 'string') return { ...r, body: next };
      return { ...r, body: next.body, headers: { ...r.headers, ...next.headers } };
    };
  } else if (request.body !== undefined) {
    req.body = request.body;
  }
  if (onResponse) req.onResponse = (status, body, context) => onResponse(status, body, context);
  return new Promise((resolve, reject) => {
    const sampler = pid ? startSampler(pid, { other }) : null;
    const driver0 = process.cpuUsage();
    const wall0 = performance.now();
    let lat = new Float64Array(1 << 16);
    let n = 0;
    const status = {};
    const inst = autocannon(
      {
        url: origin,
        connections,
        duration,
        pipelining: 1,
        timeout,
        requests: [req],
        ...(overallRate ? { overallRate } : {}),
      },
      (err, res) => {
        clearInterval(watch);
        const proc = sampler ? sampler.stop() : {};
        const driver = process.cpuUsage(driver0);
        const driverCpu = (100 * (driver.user + driver.system)) / 1000 / (performance.now() - wall0);
        if (err) {
          reject(err);
          return;
        }
        const lats = latencyStats(lat.subarray(0, n));
        const ok = res['2xx'];
        resolve({
          connections,
          duration_s: res.duration,
          rps: res.requests.total / res.duration,
          rps_2xx: ok / res.duration,
          ...lats,
          total: res.requests.total,
          '2xx': ok,
          non2xx: res.non2xx,
          errors: res.errors,
          timeouts: res.timeouts,
          status,
          exhausted,
          server_cpu_pct: proc.cpu_pct ?? null,
          server_cpu_s: proc.cpu_s ?? null,
          rss_start_mb: proc.rss_start_mb ?? null,
          rss_peak_mb: proc.rss_peak_mb ?? null,
          rss_end_mb: proc.rss_end_mb ?? null,
          postgres_cpu_pct: proc.other_cpu_pct ?? null,
          driver_cpu_pct: driverCpu,
        });
      },
    );
    inst.on('response', (client, code, bytes, ms) => {
      if (n === lat.length) {
        const g = new Float64Array(lat.length * 2);
        g.set(lat);
        lat = g;
      }
      lat[n++] = ms;
      status[code] = (status[code] ?? 0) + 1;
    });
    const watch = setInterval(() => {
      if (exhausted) inst.stop();
    }, 50);
  });
}

/** Warm-up (discarded), then the measured run. */
export async function warmAndMeasure(opts, warmup) {
  const warm = warmup > 0 ? await load({ ...opts, duration: warmup, pid: undefined, probe: undefined }) : null;
  const measured = await load(opts);
  return { warm, measured };
}

/** A small HTTP helper for setup and checks (loopback only). */
export async function http(origin, path, { method = 'GET', headers = {}, body, json } = {}) {
  const init = { method, headers: { ...headers } };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const t0 = performance.now();
  const r = await fetch(new URL(path, origin), { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await r.text();
  const ms = performance.now() - t0;
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: r.status, data, ms };
}
