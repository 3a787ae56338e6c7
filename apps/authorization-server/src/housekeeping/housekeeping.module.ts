import { Module } from '@nestjs/common';
import { HousekeepingService } from './housekeeping.service.js';

/** The scheduled deletion of expired rows (HOUSEKEEPING_* settings). */
@Module({
  providers: [HousekeepingService],
  exports: [HousekeepingService],
})
export class HousekeepingModule {}
