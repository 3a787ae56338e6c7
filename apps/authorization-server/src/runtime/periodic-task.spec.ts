import { jest } from '@jest/globals';
import { PeriodicTask } from './periodic-task.js';

/** A pass that stays running until release() is called; counts how many were started. */
function gatedPass(): { pass: () => Promise<void>; started: () => number; release: () => void } {
  let started = 0;
  let releases: (() => void)[] = [];
  return {
    pass: () => {
      started++;
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    started: () => started,
    release: () => {
      const pending = releases;
      releases = [];
      for (const resolve of pending) resolve();
    },
  };
}

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe(PeriodicTask.name, () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('never keeps the process alive with its timer', async () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const task = new PeriodicTask(async () => undefined, { onError: () => undefined });
    task.start(60_000);
    const timer = setIntervalSpy.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await task.stop();
  });

  it('runs a pass every interval', async () => {
    jest.useFakeTimers();
    let passes = 0;
    const task = new PeriodicTask(async () => void passes++, { onError: () => undefined });
    task.start(1000);
    await jest.advanceTimersByTimeAsync(3000);
    expect(passes).toBe(3);
    await task.stop();
  });

  it('does not start a second pass while one is running: a tick answers the running pass', async () => {
    jest.useFakeTimers();
    const gate = gatedPass();
    const task = new PeriodicTask(gate.pass, { onError: () => undefined });
    task.start(1000);
    await jest.advanceTimersByTimeAsync(1000);
    const running = task.run();
    expect(task.run()).toBe(running);
    await jest.advanceTimersByTimeAsync(3000);
    expect(gate.started()).toBe(1);
    gate.release();
    await running;
    await task.idle();
    expect(gate.started()).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(gate.started()).toBe(2);
    gate.release();
    await task.stop();
  });

  it('runs exactly one more pass after the running one when woken during it, with runAgainWhenWoken', async () => {
    const gate = gatedPass();
    const task = new PeriodicTask(gate.pass, { runAgainWhenWoken: true, onError: () => undefined });
    void task.run();
    void task.run();
    void task.run();
    expect(gate.started()).toBe(1);
    gate.release();
    await settle();
    expect(gate.started()).toBe(2);
    gate.release();
    await task.idle();
    expect(gate.started()).toBe(2);
  });

  it('drops a wake during a pass without runAgainWhenWoken', async () => {
    const gate = gatedPass();
    const task = new PeriodicTask(gate.pass, { onError: () => undefined });
    void task.run();
    void task.run();
    gate.release();
    await task.idle();
    expect(gate.started()).toBe(1);
  });

  it('waits on stop() for the running pass, and starts no pass after it', async () => {
    jest.useFakeTimers();
    const gate = gatedPass();
    const task = new PeriodicTask(gate.pass, { runAgainWhenWoken: true, onError: () => undefined });
    task.start(1000);
    await jest.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    expect(task.stopping).toBe(true);
    void task.run();
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    gate.release();
    await stopping;
    expect(stopped).toBe(true);
    await task.run();
    task.start(1000);
    await jest.advanceTimersByTimeAsync(5000);
    expect(gate.started()).toBe(1);
  });

  it('hands a failed pass to onError and runs again at the next tick', async () => {
    jest.useFakeTimers();
    const errors: unknown[] = [];
    let passes = 0;
    const task = new PeriodicTask(
      async () => {
        if (++passes === 1) throw new Error('database unavailable');
      },
      { onError: (e) => errors.push(e) },
    );
    task.start(1000);
    await jest.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual([new Error('database unavailable')]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(passes).toBe(2);
    expect(errors).toHaveLength(1);
    await task.stop();
  });

  it('hands a pass that throws before its first await to onError too', async () => {
    const errors: unknown[] = [];
    const task = new PeriodicTask(
      () => {
        throw new TypeError('not a promise');
      },
      { onError: (e) => errors.push(e) },
    );
    await expect(task.run()).resolves.toBeUndefined();
    expect(errors).toEqual([new TypeError('not a promise')]);
  });
});
