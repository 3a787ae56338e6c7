import type { ServerResponse } from 'node:http';
import type { MetricsService } from './metrics.service.js';

/**
 * The one path metrics are served on, matched exactly: Express would also route `/Metrics` and
 * `/metrics/` here, which a proxy rule denying `/metrics` does not catch.
 */
export const METRICS_PATH = '/metrics';

/** Whether a request path (no query string) is the metrics path, in its one spelling. */
export function isMetricsPath(path: string): boolean {
  return path === METRICS_PATH;
}

/** Answers with the Prometheus text exposition, on the main port (Express) or the metrics port (node:http). */
export async function sendScrape(metrics: MetricsService, res: ServerResponse): Promise<void> {
  const body = await metrics.scrape();
  res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(body);
}
