import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { validateEnvironment } from '#config';
import { AppModule } from './app.module.js';
import { failureMessage, parseCommandLine, runCommand } from './cli-commands.js';

async function main(): Promise<void> {
  const command = parseCommandLine(process.argv.slice(2));
  validateEnvironment(process.env);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    process.stdout.write(`${JSON.stringify(await runCommand(app, command), null, 2)}\n`);
  } finally {
    await app.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${failureMessage(e)}\n`);
  process.exitCode = 1;
});
