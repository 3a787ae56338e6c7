import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsConfig, type MetricsConfig } from '#config';
import { isMetricsPath, sendScrape } from './metrics-scrape.js';
import { MetricsService } from './metrics.service.js';

/**
 * GET /metrics on METRICS_PORT, an HTTP server of its own bound to METRICS_HOST (127.0.0.1 by
 * default), so that the public port never serves it. Started with the HTTP app only: the command
 * line's application context has no HTTP adapter and opens no port.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    private readonly metrics: MetricsService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Where the metrics server listens, once started. */
  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { enabled, port, host } = this.config;
    if (!enabled || port === undefined || !this.adapterHost.httpAdapter) return;
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    new Logger(MetricsServer.name).log(`metrics served on ${host}:${this.address?.port} only`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isMetricsPath(path)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    try {
      await sendScrape(this.metrics, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end();
    }
  }
}
