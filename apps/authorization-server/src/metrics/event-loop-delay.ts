import { monitorEventLoopDelay } from 'node:perf_hooks';

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;

/** Seconds of event-loop delay over one window. */
export interface EventLoopDelayFigures {
  p50: number;
  p99: number;
  max: number;
  /** Samples behind the figures (0: nothing measured yet). */
  samples: number;
}

/** Length of a window: the figures always describe the last complete one. */
export const EVENT_LOOP_WINDOW_MS = 10_000;
/** How often the loop is sampled (libuv timer), in milliseconds: the precision of the figures. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/**
 * The event-loop delay of this process over fixed windows (`perf_hooks.monitorEventLoopDelay`): how
 * late a timer due every EVENT_LOOP_RESOLUTION_MS ran, so how long a request that arrived meanwhile
 * waited before any of its code could run (a full garbage collection, a long synchronous step). The
 * histogram starts afresh at every window, and the figures stay those of the last complete window
 * whoever reads them and however often: two Prometheus servers scraping one instance see the same
 * values, unlike a histogram reset at every scrape.
 */
export class EventLoopDelayWindow {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopDelayFigures | null = null;

  constructor(windowMs = EVENT_LOOP_WINDOW_MS, resolutionMs = EVENT_LOOP_RESOLUTION_MS) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), windowMs);
    this.timer.unref();
  }

  /** The last complete window's figures; before the first window closes, the current one's. */
  figures(): EventLoopDelayFigures {
    return this.last ?? figuresOf(this.histogram);
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private rotate(): void {
    this.last = figuresOf(this.histogram);
    this.histogram.reset();
  }
}

function figuresOf(h: IntervalHistogram): EventLoopDelayFigures {
  // The histogram holds nanoseconds; with no sample it answers NaN / huge sentinels: report 0.
  const samples = h.count;
  if (samples === 0) return { p50: 0, p99: 0, max: 0, samples: 0 };
  const s = (ns: number) => ns / 1e9;
  return { p50: s(h.percentile(50)), p99: s(h.percentile(99)), max: s(h.max), samples };
}
