// Loaded into a server under test with `node --import <this file>` (bench only, never in the app):
// the event-loop delay and the garbage-collection pauses of that process, between two signals.
// SIGWINCH appends one JSON line with the figures since the previous SIGWINCH (or the start) to
// `$BENCH_PROBE_DIR/<pid>.jsonl` and starts afresh, so the suite brackets each measured run with
// two signals. The loop is sampled every 10 ms, as the app's own eventloop_delay_seconds metric is.
// SIGWINCH, whose default is to be ignored: the servers' graceful-shutdown hooks (Nest's
// enableShutdownHooks) stop them on SIGUSR2 and SIGHUP, and SIGUSR1 starts Node's inspector.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let gc = null;
  const fresh = () => ({ minor: 0, major: 0, other: 0, ms: 0, max_ms: 0, major_ms: 0 });
  gc = fresh();
  const kinds = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[e.detail?.kind] ?? 'other';
      gc[kind] += 1;
      gc.ms += e.duration;
      if (kind === 'major') gc.major_ms += e.duration;
      if (e.duration > gc.max_ms) gc.max_ms = e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns) => ns / 1e6;
  process.on('SIGWINCH', () => {
    const n = loop.count;
    const line = {
      at: Date.now(),
      eld_samples: n,
      eld_p50_ms: n ? ms(loop.percentile(50)) : null,
      eld_p99_ms: n ? ms(loop.percentile(99)) : null,
      eld_p999_ms: n ? ms(loop.percentile(99.9)) : null,
      eld_max_ms: n ? ms(loop.max) : null,
      gc_minor: gc.minor,
      gc_major: gc.major,
      gc_ms: gc.ms,
      gc_major_ms: gc.major_ms,
      gc_max_ms: gc.max_ms,
    };
    loop.reset();
    gc = fresh();
    appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify(line)}\n`);
  });
}
