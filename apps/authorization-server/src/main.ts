import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { serverConfig, validateEnvironment } from '#config';
import { AppModule } from './app.module.js';
import { configureApp } from './configure-app.js';
import { KeyConfigurationError } from './keys/key-encryption.js';
import { JsonLogger } from './logging/json-logger.js';
import { tuneHeap, warnOnUncappedYoungGeneration } from './runtime/heap-tuning.js';
import { warnOnUnsupportedNode } from './runtime/node-version.js';

async function bootstrap(): Promise<void> {
  tuneHeap();
  warnOnUncappedYoungGeneration();
  warnOnUnsupportedNode();
  let env;
  try {
    env = validateEnvironment(process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const logger = new JsonLogger(env.LOG_LEVEL);
  // The token endpoint reads its own form bodies (FormBodyGuard); no global body parser.
  const app = await NestFactory.create(AppModule, { bodyParser: false, logger });
  const config = app.get<ReturnType<typeof serverConfig>>(serverConfig.KEY);
  configureApp(app, config.issuer, logger);
  try {
    await app.listen(config.port);
    // The runtime is in the start line: operators and the benchmark see which Node.js serves.
    logger.pino.info(
      { port: config.port, node: process.version },
      `listening on port ${config.port} (Node.js ${process.version})`,
    );
  } catch (e) {
    if (!(e instanceof KeyConfigurationError)) throw e;
    // The operator's to fix (KEY_ENCRYPTION_KEY): the message says how; a stack trace would not help.
    process.stderr.write(`${e.message}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
}

void bootstrap();
