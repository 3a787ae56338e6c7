import { Controller, Get, Header, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint; not part of the public API (left out of the OpenAPI document). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    // Disabled: the same answer as a route that does not exist.
    if (!this.metrics.enabled) throw new NotFoundException('Cannot GET /metrics');
    const body = await this.metrics.scrape();
    res.status(200).setHeader('Content-Type', this.metrics.contentType);
    res.send(body);
  }
}
