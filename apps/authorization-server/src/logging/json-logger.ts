import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

const LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * Nest's logger as one JSON object per line (pino). Messages are written by this codebase, which
 * never puts a token, secret, code, password or Authorization header into one; the redaction
 * list is a second line of defence for structured fields.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Logger;

  constructor(level: LogLevel, destination?: DestinationStream) {
    const options = {
      level: LEVELS[level],
      base: { service: 'authorization-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          'headers.cookie',
          'password',
          'client_secret',
          'refresh_token',
          'code',
          'token',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label: string) => ({ level: label }) },
    };
    this.pino = destination ? pino(options, destination) : pino(options);
  }

  log(message: unknown, context?: string): void {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    // Nest passes a stack as `trace`; stacks stay out of the logs (they can echo request values).
    this.pino.error({ context: context ?? trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }
}
