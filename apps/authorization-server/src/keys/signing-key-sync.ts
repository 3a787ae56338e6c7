import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Clock, signingKeysConfig, type SigningKeysConfig } from '#config';
import { AuditService } from '../audit/audit.service.js';
import { RedisConnection } from '../redis/redis.provider.js';
import { PeriodicTask } from '../runtime/periodic-task.js';
import { SigningKeysService } from './signing-keys.service.js';

/** The Redis channel on which an instance announces a rotation. */
export const SIGNING_KEY_CHANNEL = 'oauth:signing-keys:rotated';
/** Without Redis (or with a schedule to keep) the active key is polled this often: well within 5 s. */
const POLL_MS = 2000;
/** With Redis, polling is only the safety net for a lost message. */
const POLL_WITH_REDIS_MS = 30_000;

/**
 * Keeps every instance signing with the active key of the database: a rotation is announced on Redis
 * (REDIS_URL) and the active key is polled besides. Runs the rotation schedule
 * (SIGNING_KEY_ROTATION_INTERVAL) on every instance; the store's conditional update lets one rotate.
 */
@Injectable()
export class SigningKeySync implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('SigningKeys');
  private subscriber: Redis | null = null;
  private readonly task = new PeriodicTask(() => this.runTick(), {
    onError: (e) => this.logger.warn(`signing-key poll failed: ${(e as Error).name}: ${(e as Error).message}`),
  });

  constructor(
    private readonly keys: SigningKeysService,
    private readonly redis: RedisConnection,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(signingKeysConfig.KEY) private readonly config: SigningKeysConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.redis.client) {
      const subscriber = this.redis.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      subscriber.on('error', (e: Error & { code?: string }) =>
        this.logger.warn(`redis subscriber: ${e.code ?? e.name}`),
      );
      // A message lost while disconnected: catch up on every (re)connection.
      subscriber.on('ready', () => void this.reload());
      subscriber.on('message', () => void this.reload());
      subscriber.subscribe(SIGNING_KEY_CHANNEL).catch(() => undefined);
      this.subscriber = subscriber;
    }
    const fast = !this.redis.client || this.config.rotationIntervalSeconds > 0;
    this.task.start(fast ? POLL_MS : POLL_WITH_REDIS_MS);
  }

  /** Before the database closes: no poll may start or still run then. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /** One poll: reload the active key, and rotate when the schedule says so (answers the running one if any). */
  tick(): Promise<void> {
    return this.task.run();
  }

  /** Tells the other instances that the active key changed. */
  async announce(): Promise<void> {
    if (!this.redis.client) return;
    try {
      await this.redis.client.publish(SIGNING_KEY_CHANNEL, 'rotated');
    } catch (e) {
      this.logger.warn(
        `rotation not announced on Redis (other instances poll within ${POLL_WITH_REDIS_MS / 1000} s): ${(e as Error).name}`,
      );
    }
  }

  private async runTick(): Promise<void> {
    await this.keys.reload();
    const interval = this.config.rotationIntervalSeconds * 1000;
    const since = interval > 0 ? await this.keys.activeSince() : null;
    if (since === null || since + interval > this.clock.now()) return;
    const outcome = await this.keys.rotate(
      (previous, active) =>
        this.audit.record({
          actor: 'system:schedule',
          action: 'signing_key.rotated',
          target_type: 'signing_key',
          target_id: active,
          reason: `previous ${previous}`,
        }),
      interval,
    );
    if (outcome.rotated) {
      this.logger.log(`signing key rotated on schedule: ${outcome.active} signs, ${outcome.previous} retiring`);
      await this.announce();
    }
  }

  private async reload(): Promise<void> {
    try {
      await this.keys.reload();
    } catch (e) {
      this.logger.warn(`signing-key reload failed: ${(e as Error).name}`);
    }
  }
}
