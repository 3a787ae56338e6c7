import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppModule } from './app.module.js';
import { OPENAPI_FILE, OPENAPI_ISSUER, openApiDocument } from './configure-app.js';

/** Writes the OpenAPI document to docs/openapi.json (npm run openapi); a test keeps it in step with the code. */
async function main(): Promise<void> {
  process.env.DATABASE_URL = 'sqlite::memory:';
  process.env.ADMIN_CLIENT_ID = 'openapi';
  process.env.ADMIN_CLIENT_SECRET = 'openapi-document-generation-only-000000';
  const app = await NestFactory.create(AppModule, { logger: ['error'], bodyParser: false });
  const file = resolve(OPENAPI_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(openApiDocument(app, OPENAPI_ISSUER), null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}

void main();
