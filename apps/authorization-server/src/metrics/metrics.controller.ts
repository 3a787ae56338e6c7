import { Controller, Get, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { isMetricsPath, sendScrape } from './metrics-scrape.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint on the main port; not part of the public API (left out of the OpenAPI document). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    // Disabled, moved to METRICS_PORT, or another spelling (/Metrics, /metrics/): the answer of a route that does not exist.
    if (!this.metrics.onMainPort || !isMetricsPath(req.path))
      throw new NotFoundException(`Cannot ${req.method} ${req.originalUrl}`);
    await sendScrape(this.metrics, res);
  }
}
