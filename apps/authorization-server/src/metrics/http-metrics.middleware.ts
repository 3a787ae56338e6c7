import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/** The label of requests that matched no route (404s, and what middleware such as static files answered). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template Express matched (`/admin/refresh-tokens/:id`), never the URL: ids and query
 * strings would make the label unbounded, and a query string may carry a secret.
 */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && path !== '' ? path : UNMATCHED_ROUTE;
}

/** Counts and times every request, measured when its answer has been handed to the socket. */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequest(req.method, routeLabel(req), res.statusCode, seconds);
    });
    next();
  };
}

/** Registers the HTTP metrics ahead of every other middleware (configure-app.ts); nothing when METRICS_ENABLED=false. */
export function useHttpMetrics(app: INestApplication): void {
  const metrics = app.get(MetricsService);
  if (metrics.enabled) app.use(httpMetricsMiddleware(metrics));
}
