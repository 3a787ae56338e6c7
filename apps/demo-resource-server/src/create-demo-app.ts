import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Express } from 'express';
import type { TokenClock } from '#resource-guard';
import { DemoAppModule } from './demo-app.module.js';
import type { DemoConfig } from './demo-config.js';
import { jsonBody } from './json-body.js';

export interface DemoAppOptions {
  /** The time against which token expiry is checked (tests move it instead of sleeping). */
  clock?: TokenClock;
  logger?: LogLevel[];
}

/** The configured app, not yet listening: main.ts and the tests share it. */
export async function createDemoApp(config: DemoConfig, options: DemoAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(DemoAppModule.forRoot(config, options.clock), {
    bodyParser: false,
    logger: options.logger ?? ['error', 'warn', 'log'],
  });
  app.enableShutdownHooks();
  (app.getHttpAdapter().getInstance() as Express).disable('x-powered-by');
  app.use('/api', jsonBody());
  return app;
}
