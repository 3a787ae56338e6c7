import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Clock, housekeepingConfig, type HousekeepingConfig } from '#config';
import { HousekeepingRepository } from '#persistence';
import { PeriodicTask } from '../runtime/periodic-task.js';

export interface HousekeepingCounts {
  /** Refresh-token families deleted (their refresh_token rows go with them: ON DELETE CASCADE). */
  families: number;
  codes: number;
  sessions: number;
  deviceAuthorizations: number;
}

/** One batch of one kind of row: at most `limit` rows deleted, answers how many. */
type DeleteBatch = (cutoff: number, limit: number) => Promise<number>;

/**
 * Deletes what can no longer be used: dead refresh-token families with their tokens, old authorization
 * codes and device authorizations, and expired login sessions. Audit events are never deleted: the audit trail is the operators' to
 * keep (or prune themselves).
 *
 * Every instance runs the job, possibly at the same moment, so it deletes in small batches
 * (HousekeepingRepository: each its own statement and short transaction, safe to run on two instances at
 * once), yielding to the event loop between batches so requests interleave. Individual refresh tokens of
 * a live family are never deleted: a rotated one presented again is how theft is detected.
 *
 * Scheduled with a plain unref'd timer (PeriodicTask, no @nestjs/schedule): HOUSEKEEPING_INTERVAL seconds, 0
 * turns it off. A pass still running when the next one is due (a huge backlog) is not doubled.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HousekeepingService.name);
  private readonly task = new PeriodicTask(() => this.runOnce(), {
    onError: (e) => this.logger.error(`housekeeping failed: ${(e as Error).message}`),
  });

  constructor(
    private readonly rows: HousekeepingRepository,
    @Inject(housekeepingConfig.KEY) private readonly config: HousekeepingConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.intervalSeconds > 0) this.task.start(this.config.intervalSeconds * 1000);
  }

  /** Stops the timer and lets a running pass finish its batch before the database connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass over every table; answers how many rows of each were deleted. */
  async runOnce(): Promise<HousekeepingCounts> {
    const started = Date.now();
    const now = this.clock.now();
    const cutoff = now - this.config.retentionSeconds * 1000;
    const families =
      (await this.purge((c, n) => this.rows.deleteExpiredFamilies(c, n), cutoff)) +
      (await this.purge((c, n) => this.rows.deleteRevokedFamilies(c, n), cutoff));
    const codes = await this.purge((c, n) => this.rows.deleteExpiredCodes(c, n), cutoff);
    const sessions = await this.purge((c, n) => this.rows.deleteExpiredSessions(c, n), now);
    const deviceAuthorizations = await this.purge((c, n) => this.rows.deleteExpiredDeviceAuthorizations(c, n), cutoff);
    const securityEvents = await this.purge((c, n) => this.rows.deleteDeliveredSecurityEvents(c, n), cutoff);
    await this.purge((c, n) => this.rows.deleteSettledSecurityEventAttempts(c, n), cutoff);
    this.logger.log(
      `housekeeping: deleted ${families} refresh-token families (with their tokens), ${codes} authorization codes, ` +
        `${sessions} login sessions, ${deviceAuthorizations} device authorizations, ${securityEvents} delivered ` +
        `security events in ${Date.now() - started} ms`,
    );
    return { families, codes, sessions, deviceAuthorizations };
  }

  /** Deletes the matching rows batch by batch until a batch comes back short; answers how many. */
  private async purge(deleteBatch: DeleteBatch, cutoff: number): Promise<number> {
    const batchSize = this.config.batchSize;
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch(cutoff, batchSize);
      total += deleted;
      if (deleted < batchSize || this.task.stopping) return total;
      await yieldToEventLoop();
    }
  }
}
