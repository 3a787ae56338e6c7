import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module.js';
import { SecurityEventOutboxModule } from './security-event-outbox.module.js';
import { SecurityEventWorker } from './security-event-worker.service.js';

/** The delivery worker, started with the app and stopped on shutdown. */
@Module({
  imports: [KeysModule, SecurityEventOutboxModule],
  providers: [SecurityEventWorker],
  exports: [SecurityEventWorker],
})
export class SecurityEventsModule {}
