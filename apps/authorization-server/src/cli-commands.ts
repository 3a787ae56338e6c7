import type { INestApplicationContext } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseArgs } from 'node:util';
import { ClientRegistrationService } from './clients/client-registration.service.js';
import { CreateClientDto } from './clients/dto/create-client.dto.js';
import { UsersService } from './users/users.service.js';

export const USAGE = `Usage:
  npm run cli -- create-client --grant-types a,b [--scope "s1 s2"] [--client-id ID] [--name NAME]
      [--auth-method client_secret_basic|client_secret_post|none|private_key_jwt] [--jwks-uri URL]
      [--redirect-uri URI ...] [--security-event-endpoint URL]
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
  'security-event-endpoint': { type: 'string' },
  rotation: { type: 'string' },
  'reuse-interval': { type: 'string' },
  'absolute-lifetime': { type: 'string' },
  'idle-lifetime': { type: 'string' },
  'access-token-lifetime': { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** A command line, parsed: the command (checked against the known ones) and its options. */
export interface CliCommand {
  command: 'create-client' | 'create-user';
  values: Values;
}

/** Where the commands find the services: the Nest application context (or a test's stand-in). */
export type CliServices = Pick<INestApplicationContext, 'get'>;

export function parseCommandLine(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  const command = positionals[0] ?? '';
  if (command !== 'create-client' && command !== 'create-user') throw new Error(USAGE);
  return { command, values };
}

const int = (v: string | undefined) => (v === undefined ? undefined : Number(v));

/** The options as the admin API's body: the same DTO and validation, then the same registration rules. */
function clientInput(v: Values): CreateClientDto {
  const dto = plainToInstance(CreateClientDto, {
    client_id: v['client-id'],
    client_name: v.name,
    grant_types: v['grant-types']?.split(',').map((g) => g.trim()) ?? [],
    scope: v.scope,
    token_endpoint_auth_method: v['auth-method'],
    jwks_uri: v['jwks-uri'],
    redirect_uris: v['redirect-uri'],
    security_event_endpoint: v['security-event-endpoint'],
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

/** Runs a command; what it prints, as JSON. */
export async function runCommand(app: CliServices, { command, values: v }: CliCommand): Promise<unknown> {
  if (command === 'create-client') {
    const { client, client_secret } = await app.get(ClientRegistrationService).create(clientInput(v));
    return client_secret === undefined ? client : { ...client, client_secret };
  }
  if (!v.username || !v['password-stdin']) throw new Error('create-user needs --username and --password-stdin');
  const user = await app.get(UsersService).create(v.username, await readStdin());
  return { id: user.id, username: user.username };
}

/** What the command line prints for a failure: the message an admin API 400 would carry, or the error's. */
export function failureMessage(e: unknown): string {
  const message = (e as { response?: { message?: unknown } }).response?.message ?? (e as Error).message;
  return String(message);
}
