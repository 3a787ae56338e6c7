import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { Clock, housekeepingConfig, type HousekeepingConfig } from '#config';

export interface HousekeepingCounts {
  /** Refresh-token families deleted (their refresh_token rows go with them: ON DELETE CASCADE). */
  families: number;
  codes: number;
  sessions: number;
}

/** A condition on one instant column, given the placeholder of the cutoff. */
interface Purge {
  table: 'refresh_token_family' | 'authorization_code' | 'login_session';
  where: (cutoff: string) => string;
}

// Families whose absolute expiry passed, then families revoked, each longer ago than the retention.
// Individual refresh_token rows (rotated, revoked, idle-expired) of a family that is still alive are never
// deleted on their own: presenting a rotated token again is how theft is detected (the whole family is
// revoked then), so they must stay until the family itself ends and its retention has passed.
const EXPIRED_FAMILIES: Purge = { table: 'refresh_token_family', where: (c) => `expires_at < ${c}` };
const REVOKED_FAMILIES: Purge = {
  table: 'refresh_token_family',
  where: (c) => `revoked_at IS NOT NULL AND revoked_at < ${c}`,
};
// Codes past their expiry by more than the retention. A used code is kept until then: presenting it again
// revokes the tokens issued from it (RFC 6749 4.1.2), which needs the row.
const EXPIRED_CODES: Purge = { table: 'authorization_code', where: (c) => `expires_at < ${c}` };
// A login session is dead once expires_at is reached (LoginSessionsService accepts expires_at > now).
const EXPIRED_SESSIONS: Purge = { table: 'login_session', where: (c) => `expires_at <= ${c}` };

/**
 * Deletes what can no longer be used: dead refresh-token families with their tokens, old authorization
 * codes and expired login sessions. Audit events are never deleted: the audit trail is the operators' to
 * keep (or prune themselves).
 *
 * Every instance runs the job, possibly at the same moment, so it deletes by primary key in small
 * batches, each its own statement and therefore its own short transaction, yielding to the event loop
 * between batches so requests interleave. Two instances never delete a row twice: a row deleted by one is
 * simply not found by the other; on PostgreSQL `FOR UPDATE SKIP LOCKED` also keeps them from waiting on
 * the rows the other is deleting.
 *
 * Scheduled with a plain unref'd timer (no @nestjs/schedule): HOUSEKEEPING_INTERVAL seconds, 0 turns it off.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(HousekeepingService.name);
  private timer: NodeJS.Timeout | undefined;
  /** The run started by the timer, if one is going on. */
  private scheduledRun: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(housekeepingConfig.KEY) private readonly config: HousekeepingConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.intervalSeconds === 0) return;
    this.timer = setInterval(() => this.tick(), this.config.intervalSeconds * 1000);
    // The timer alone never keeps the process alive.
    this.timer.unref();
  }

  /** Stops the timer and lets a running pass finish its batch before the database connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** One pass over every table; answers how many rows of each were deleted. */
  async runOnce(): Promise<HousekeepingCounts> {
    const started = Date.now();
    const now = this.clock.now();
    const cutoff = now - this.config.retentionSeconds * 1000;
    const families = (await this.purge(EXPIRED_FAMILIES, cutoff)) + (await this.purge(REVOKED_FAMILIES, cutoff));
    const codes = await this.purge(EXPIRED_CODES, cutoff);
    const sessions = await this.purge(EXPIRED_SESSIONS, now);
    this.logger.log(
      `housekeeping: deleted ${families} refresh-token families (with their tokens), ${codes} authorization codes, ` +
        `${sessions} login sessions in ${Date.now() - started} ms`,
    );
    return { families, codes, sessions };
  }

  private tick(): void {
    // A pass still running when the next one is due (a huge backlog) is not doubled.
    if (this.scheduledRun || this.stopping) return;
    this.scheduledRun = this.runOnce()
      .then(() => undefined)
      .catch((e: unknown) => this.logger.error(`housekeeping failed: ${(e as Error).message}`))
      .finally(() => (this.scheduledRun = undefined));
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.scheduledRun;
  }

  /** Deletes the matching rows batch by batch until a batch comes back short; answers how many. */
  private async purge(purge: Purge, cutoff: number): Promise<number> {
    const sql = this.batchStatement(purge);
    const batchSize = this.config.batchSize;
    let total = 0;
    for (;;) {
      const deleted = await this.deleteBatch(sql, [cutoff, batchSize]);
      total += deleted;
      if (deleted < batchSize || this.stopping) return total;
      await yieldToEventLoop();
    }
  }

  /**
   * One statement in its own (implicit) transaction; answers the rows it deleted itself, not counting
   * the refresh tokens its cascade removed. The structured result is asked for because `dataSource.query`
   * answers a DELETE differently per driver (`[rows, rowCount]` on PostgreSQL).
   */
  private async deleteBatch(sql: string, parameters: number[]): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, parameters, true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  /** `DELETE ... WHERE id IN (SELECT id ... LIMIT n)`: the same shape on both databases. */
  private batchStatement({ table, where }: Purge): string {
    if (this.dataSource.options.type === 'postgres') {
      return `DELETE FROM ${table} WHERE id IN (
        SELECT id FROM ${table} WHERE ${where('$1::bigint')} LIMIT $2::integer FOR UPDATE SKIP LOCKED
      )`;
    }
    return `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where('?')} LIMIT ?)`;
  }
}
