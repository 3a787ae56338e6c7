import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { serverConfig, validateEnvironment } from '#config';
import { AppModule } from './app.module.js';
import { configureApp } from './configure-app.js';

const LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;

async function bootstrap(): Promise<void> {
  let env;
  try {
    env = validateEnvironment(process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const logger = LEVELS.slice(0, LEVELS.indexOf(env.LOG_LEVEL) + 1);
  // The token endpoint reads its own form bodies (FormBodyGuard); no global body parser.
  const app = await NestFactory.create(AppModule, { bodyParser: false, logger: [...logger] });
  const config = app.get<ReturnType<typeof serverConfig>>(serverConfig.KEY);
  configureApp(app, config.issuer);
  await app.listen(config.port);
}

void bootstrap();
