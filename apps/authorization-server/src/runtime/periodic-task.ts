export interface PeriodicTaskOptions {
  /** A run() while a pass is going asks for exactly one more pass after it, instead of being dropped. */
  runAgainWhenWoken?: boolean;
  /** Where a failed pass goes (the service logs it); the next tick runs again. */
  onError: (error: unknown) => void;
}

/**
 * A background pass run on an unref'd timer, at most one at a time, stopped before the database closes:
 * the mechanics shared by housekeeping, security-event delivery and signing-key polling.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly options: PeriodicTaskOptions,
  ) {}

  /** True once stop() was called: long passes check it between batches. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Runs a pass every intervalMs; the timer alone never keeps the process alive. */
  start(intervalMs: number): void {
    if (this.stopped) return;
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.run(), intervalMs).unref();
  }

  /** Starts a pass, or answers the running one (a pass still running when the next is due is not doubled). */
  run(): Promise<void> {
    if (this.running) {
      if (this.options.runAgainWhenWoken && !this.stopped) this.again = true;
      return this.running;
    }
    if (this.stopped) return Promise.resolve();
    this.running = this.once().finally(() => {
      this.running = undefined;
      if (!this.again) return;
      this.again = false;
      void this.run();
    });
    return this.running;
  }

  /** Resolves once no pass is running, the one asked for again included. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Clears the timer, refuses new passes and waits for the running one. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  private async once(): Promise<void> {
    try {
      await this.pass();
    } catch (e) {
      this.options.onError(e);
    }
  }
}
