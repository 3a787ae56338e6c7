import { EventLoopDelayWindow } from './event-loop-delay.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the event loop busy for `ms` milliseconds, as a long synchronous step would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('EventLoopDelayWindow', () => {
  it('reports a blocked loop in the window it happened, then a quiet window', async () => {
    const w = new EventLoopDelayWindow(400, 5);
    try {
      await sleep(50);
      block(150);
      // The window that holds the block closes at ~400 ms.
      await sleep(420);
      const busy = w.figures();
      expect(busy.samples).toBeGreaterThan(0);
      expect(busy.max).toBeGreaterThanOrEqual(0.14);
      expect(busy.max).toBeLessThan(1);
      expect(busy.p50).toBeLessThan(busy.max);
      expect(busy.p99).toBeLessThanOrEqual(busy.max);
      // The next window, without a block: figures replaced, far below the block.
      await sleep(420);
      const quiet = w.figures();
      expect(quiet.max).toBeLessThan(0.1);
    } finally {
      w.stop();
    }
  });

  it('answers the figures of the last complete window, however often it is read', async () => {
    const w = new EventLoopDelayWindow(300, 5);
    try {
      await sleep(20);
      block(120);
      await sleep(320);
      const first = w.figures();
      expect(first.max).toBeGreaterThanOrEqual(0.11);
      expect(w.figures()).toEqual(first);
      expect(w.figures()).toEqual(first);
    } finally {
      w.stop();
    }
  });

  it('reports zeros rather than NaN before anything was sampled', () => {
    const w = new EventLoopDelayWindow(10_000, 10);
    try {
      const f = w.figures();
      expect(f).toEqual({ p50: 0, p99: 0, max: 0, samples: 0 });
    } finally {
      w.stop();
    }
  });
});
