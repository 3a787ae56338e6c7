import { Module } from '@nestjs/common';
import { SecurityEventOutbox } from './security-event-outbox.js';

/** The outbox's drafts and nudge, for the services whose changes queue events (no other dependency). */
@Module({ providers: [SecurityEventOutbox], exports: [SecurityEventOutbox] })
export class SecurityEventOutboxModule {}
