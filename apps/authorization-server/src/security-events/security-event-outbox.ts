import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SecurityEventDraft } from '#persistence';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SecurityEventTypeName } from './security-event-types.js';

/**
 * The app's side of the outbox: a draft for the repository method that makes a change (it writes the
 * rows in the change's transaction), then `written` once that transaction committed, which counts the
 * rows and wakes this instance's worker.
 */
@Injectable()
export class SecurityEventOutbox {
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly metrics: MetricsService) {}

  /** The events of one change: one `txn` for every row it writes. */
  draft(type: SecurityEventTypeName, reason: string | null): SecurityEventDraft {
    return { txn: randomUUID(), type, reason, queued: 0 };
  }

  /** After the commit: counts what the draft queued and wakes the worker when there is anything. */
  written(draft: SecurityEventDraft): void {
    if (draft.queued === 0) return;
    this.metrics.securityEventsQueued(draft.type, draft.queued);
    for (const listener of this.listeners) listener();
  }

  /** Called after every committed write that queued events (the worker's nudge). */
  onWritten(listener: () => void): void {
    this.listeners.push(listener);
  }
}
