import 'reflect-metadata';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseArgs } from 'node:util';
import { validateEnvironment } from '#config';
import { AppModule } from './app.module.js';
import { ClientRegistrationService } from './clients/client-registration.service.js';
import { CreateClientDto } from './clients/dto/create-client.dto.js';
import { UsersService } from './users/users.service.js';

const USAGE = `Usage:
  npm run cli -- create-client --grant-types a,b [--scope "s1 s2"] [--client-id ID] [--name NAME]
      [--auth-method client_secret_basic|client_secret_post|none|private_key_jwt] [--jwks-uri URL]
      [--redirect-uri URI ...]
      [--rotation true|false] [--reuse-interval S] [--absolute-lifetime S] [--idle-lifetime S]
      [--access-token-lifetime S]
  npm run cli -- create-user --username NAME --password-stdin   (the password is read from standard input)`;

const OPTIONS = {
  'grant-types': { type: 'string' },
  scope: { type: 'string' },
  'client-id': { type: 'string' },
  name: { type: 'string' },
  'auth-method': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  rotation: { type: 'string' },
  'reuse-interval': { type: 'string' },
  'absolute-lifetime': { type: 'string' },
  'idle-lifetime': { type: 'string' },
  'access-token-lifetime': { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const int = (v: string | undefined) => (v === undefined ? undefined : Number(v));

function clientInput(v: Values): CreateClientDto {
  const dto = plainToInstance(CreateClientDto, {
    client_id: v['client-id'],
    client_name: v.name,
    grant_types: v['grant-types']?.split(',').map((g) => g.trim()) ?? [],
    scope: v.scope,
    token_endpoint_auth_method: v['auth-method'],
    jwks_uri: v['jwks-uri'],
    redirect_uris: v['redirect-uri'],
    refresh_token_rotation: v.rotation === undefined ? undefined : v.rotation === 'true',
    refresh_token_reuse_interval: int(v['reuse-interval']),
    refresh_token_absolute_lifetime: int(v['absolute-lifetime']),
    refresh_token_idle_lifetime: int(v['idle-lifetime']),
    access_token_lifetime: int(v['access-token-lifetime']),
  });
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, skipUndefinedProperties: false });
  const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
  if (messages.length > 0) throw new Error(messages.join('\n'));
  for (const key of Object.keys(dto) as (keyof CreateClientDto)[]) if (dto[key] === undefined) delete dto[key];
  return dto;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function run(app: INestApplicationContext, command: string, v: Values): Promise<unknown> {
  if (command === 'create-client') {
    const { client, client_secret } = await app.get(ClientRegistrationService).create(clientInput(v));
    return client_secret === undefined ? client : { ...client, client_secret };
  }
  if (command === 'create-user') {
    if (!v.username || !v['password-stdin']) throw new Error('create-user needs --username and --password-stdin');
    const user = await app.get(UsersService).create(v.username, await readStdin());
    return { id: user.id, username: user.username };
  }
  throw new Error(USAGE);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true, strict: true });
  const command = positionals[0] ?? '';
  if (!['create-client', 'create-user'].includes(command)) throw new Error(USAGE);
  validateEnvironment(process.env);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    process.stdout.write(`${JSON.stringify(await run(app, command, values), null, 2)}\n`);
  } finally {
    await app.close();
  }
}

main().catch((e: unknown) => {
  const message = (e as { response?: { message?: unknown } }).response?.message ?? (e as Error).message;
  process.stderr.write(`${String(message)}\n`);
  process.exitCode = 1;
});
