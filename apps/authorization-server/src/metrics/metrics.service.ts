import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricsConfig, type MetricsConfig } from '#config';
import { GrantType } from '#oauth';
import { DatabaseHandle, RevocationReason } from '#persistence';
import { SECURITY_EVENT_TYPES } from '../security-events/security-event-types.js';
import { EventLoopDelayWindow } from './event-loop-delay.js';

export type IssuedTokenType = 'access_token' | 'refresh_token';

/** Seconds; a token request takes a few milliseconds, a password hash or a cold database up to seconds. */
export const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The Prometheus metrics of one application instance, on a registry of its own (never the global
 * one: the tests start several apps in one process). Everything else calls the named methods here.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly enabled: boolean;
  /** GET /metrics on the main port: enabled and no METRICS_PORT of its own. */
  readonly onMainPort: boolean;

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its answer, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly tokensIssued = new Counter({
    name: 'oauth_tokens_issued_total',
    help: 'Tokens handed to clients by the token endpoint, by grant type and token type',
    labelNames: ['grant_type', 'token_type'] as const,
    registers: [this.registry],
  });
  private readonly rotations = new Counter({
    name: 'oauth_refresh_tokens_rotated_total',
    help: 'Refresh tokens rotated (marked used and replaced by a successor)',
    registers: [this.registry],
  });
  private readonly familiesRevoked = new Counter({
    name: 'oauth_refresh_token_families_revoked_total',
    help: 'Refresh-token families (grants) revoked, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly refreshTokenReuse = new Counter({
    name: 'oauth_refresh_token_reuse_detected_total',
    help: 'Rotated refresh tokens presented again outside the reuse interval (suspected theft)',
    registers: [this.registry],
  });
  private readonly securityEventsQueuedTotal = new Counter({
    name: 'security_events_queued_total',
    help: 'Security events written to the outbox (one per receiving client), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly securityEventsDeliveredTotal = new Counter({
    name: 'security_events_delivered_total',
    help: 'Security events accepted by their receiver (202 or 200), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly securityEventsFailedTotal = new Counter({
    name: 'security_events_failed_total',
    help: 'Security events given up after their last attempt, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private eventLoop: EventLoopDelayWindow | null = null;
  private readonly authorizationCodeReuse = new Counter({
    name: 'oauth_authorization_code_reuse_detected_total',
    help: 'Authorization codes presented again after being redeemed',
    registers: [this.registry],
  });

  constructor(@Inject(metricsConfig.KEY) config: MetricsConfig, database: DatabaseHandle) {
    this.enabled = config.enabled;
    this.onMainPort = config.enabled && config.port === undefined;
    // Every series that can appear starts at 0, so that rate() and absent() see it from the first scrape.
    for (const grantType of Object.values(GrantType)) {
      this.tokensIssued.inc({ grant_type: grantType, token_type: 'access_token' }, 0);
      if (grantType !== GrantType.ClientCredentials)
        this.tokensIssued.inc({ grant_type: grantType, token_type: 'refresh_token' }, 0);
    }
    for (const reason of Object.values(RevocationReason)) this.familiesRevoked.inc({ reason }, 0);
    for (const type of SECURITY_EVENT_TYPES) {
      this.securityEventsQueuedTotal.inc({ type }, 0);
      this.securityEventsDeliveredTotal.inc({ type }, 0);
      this.securityEventsFailedTotal.inc({ type }, 0);
    }
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database connections of this instance by state (PostgreSQL pool; SQLite has one connection)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const connections = database.connections();
        this.set({ state: 'total' }, connections.total);
        this.set({ state: 'idle' }, connections.idle);
        this.set({ state: 'waiting' }, connections.waiting);
      },
    });
    // The standard process_* and nodejs_* metrics, without a prefix.
    if (this.enabled) {
      collectDefaultMetrics({ register: this.registry });
      const loop = new EventLoopDelayWindow();
      this.eventLoop = loop;
      new Gauge({
        name: 'eventloop_delay_seconds',
        help: 'Event-loop delay over the last complete 10 s window: p50, p99 and max (how long a request waited before its code could run)',
        labelNames: ['stat'] as const,
        registers: [this.registry],
        collect() {
          const f = loop.figures();
          this.set({ stat: 'p50' }, f.p50);
          this.set({ stat: 'p99' }, f.p99);
          this.set({ stat: 'max' }, f.max);
        },
      });
    }
  }

  /** One token handed out; call once the response carrying it is built. */
  tokenIssued(grantType: string, tokenType: IssuedTokenType): void {
    this.tokensIssued.inc({ grant_type: grantType, token_type: tokenType });
  }

  refreshTokenRotated(): void {
    this.rotations.inc();
  }

  /** `count` families revoked (revokeMatching's count, or revokeFamily's boolean); 0 or false counts nothing. */
  familyRevoked(reason: string, count: number | boolean = 1): void {
    const n = Number(count);
    if (n > 0) this.familiesRevoked.inc({ reason }, n);
  }

  refreshTokenReuseDetected(): void {
    this.refreshTokenReuse.inc();
  }

  securityEventsQueued(type: string, count: number): void {
    this.securityEventsQueuedTotal.inc({ type }, count);
  }

  securityEventDelivered(type: string): void {
    this.securityEventsDeliveredTotal.inc({ type });
  }

  securityEventFailed(type: string): void {
    this.securityEventsFailedTotal.inc({ type });
  }

  authorizationCodeReuseDetected(): void {
    this.authorizationCodeReuse.inc();
  }

  /** One answered HTTP request; `route` must be a route template or `unmatched`, never a raw URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** The Prometheus text exposition (version 0.0.4). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleDestroy(): void {
    this.eventLoop?.stop();
    this.registry.clear();
  }
}
