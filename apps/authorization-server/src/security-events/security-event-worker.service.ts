import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  Clock,
  registrationConfig,
  securityEventsConfig,
  serverConfig,
  type RegistrationConfig,
  type SecurityEventsConfig,
  type ServerConfig,
} from '#config';
import {
  ClientRepository,
  type DeliveryAttempt,
  type SecurityEventEntity,
  SecurityEventRepository,
} from '#persistence';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PeriodicTask } from '../runtime/periodic-task.js';
import { outcomeOf } from './delivery-schedule.js';
import { SecurityEventOutbox } from './security-event-outbox.js';
import { type PushPolicy, pushSecurityEvent } from './security-event-push.js';
import { buildSecurityEventClaims } from './set-builder.js';

/** Events claimed and delivered at once per pass. */
const BATCH = 20;
/** Kept on top of the delivery timeout before a claim lapses (a crashed instance's events go to another). */
const CLAIM_MARGIN_MS = 30_000;

/**
 * Delivers the outbox: every SECURITY_EVENTS_POLL_INTERVAL_MS, and at once after this instance queued
 * events, it claims due events (one instance per event: the claim is a conditional update, with FOR
 * UPDATE SKIP LOCKED on PostgreSQL), pushes each as a SET signed with the active key, and records the
 * attempt with what it leaves the event as (delivered, retried after a backoff, or failed).
 */
@Injectable()
export class SecurityEventWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SecurityEvents');
  private readonly task = new PeriodicTask(() => this.drain(), {
    runAgainWhenWoken: true,
    onError: (e) =>
      this.logger.warn(`security-event delivery pass failed (${(e as Error).name}); retried at the next poll`),
  });
  private readonly pushPolicy: PushPolicy;

  constructor(
    private readonly events: SecurityEventRepository,
    private readonly clients: ClientRepository,
    private readonly keys: SigningKeysService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    outbox: SecurityEventOutbox,
    @Inject(securityEventsConfig.KEY) private readonly config: SecurityEventsConfig,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
    @Inject(registrationConfig.KEY) registration: RegistrationConfig,
  ) {
    outbox.onWritten(() => this.wake());
    this.pushPolicy = {
      timeoutMs: config.timeoutMs,
      allowHttp: registration.securityEventsAllowHttp,
      allowPrivate: config.allowPrivate,
    };
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.pollIntervalMs);
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Starts a pass, or asks the running one for another round. */
  wake(): void {
    void this.task.run();
  }

  /** Resolves once no pass is running (for tests and shutdown). */
  idle(): Promise<void> {
    return this.task.idle();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.task.stopping) return;
      const now = this.clock.now();
      const claimed = await this.events.claimDue(now, now + this.config.timeoutMs + CLAIM_MARGIN_MS, BATCH);
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((e) => this.deliver(e)));
    }
  }

  private async deliver(event: SecurityEventEntity): Promise<void> {
    const client = await this.clients.findByClientId(event.client_id);
    const endpoint = client?.security_event_endpoint ?? null;
    const now = this.clock.now();
    let attempt: DeliveryAttempt;
    if (endpoint === null) {
      // The client was deleted or its endpoint removed: nowhere to retry to (a redeliver queues it again).
      attempt = {
        attempted_at: now,
        status_code: null,
        error: 'the client has no security_event_endpoint',
        duration_ms: 0,
      };
      await this.events.recordAttempt(event.id, attempt, { status: 'failed' });
      this.metrics.securityEventFailed(event.type);
      return;
    }
    const set = this.keys.securityEventSigner().sign(buildSecurityEventClaims(this.server.issuer, event, now));
    const pushed = await pushSecurityEvent(endpoint, set, this.pushPolicy, now);
    attempt = pushed.attempt;
    // An endpoint the settings do not allow (http, a non-public address) is failed at once, as a missing one:
    // retrying cannot change it; a redeliver after the endpoint or the settings changed sends it again.
    const outcome = pushed.refused
      ? { status: 'failed' as const }
      : outcomeOf(attempt.status_code, event.round_attempts + 1, this.clock.now(), this.config);
    await this.events.recordAttempt(event.id, attempt, outcome);
    if (outcome.status === 'delivered') this.metrics.securityEventDelivered(event.type);
    if (outcome.status === 'failed') this.metrics.securityEventFailed(event.type);
  }
}
