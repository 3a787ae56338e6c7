import { Controller, Get } from '@nestjs/common';

/** Unprotected: for load balancers and orchestrators. */
@Controller('health')
export class HealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
