import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { BearerError } from '#bearer';
import { InvalidRequestError, OAuthError, ServerError, TemporarilyUnavailableError } from './oauth-errors.js';

/** RFC 6749 5.1: token endpoint answers, errors included, must never be cached. */
export function setNoStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

/**
 * Renders every error raised behind the OAuth endpoints in the RFC 6749 5.2 shape. Anything
 * that is not an OAuthError becomes one; internals are logged by class name only.
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    setNoStore(res);
    if (exception instanceof BearerError) {
      // RFC 6750 3: a bearer token presented to an OAuth endpoint (introspection) is answered with its challenge.
      res.setHeader('WWW-Authenticate', exception.challenge);
      res.status(exception.getStatus()).json(exception.body);
      return;
    }
    const error = this.toOAuthError(exception);
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(error.status).json(error.toJSON());
  }

  private toOAuthError(exception: unknown): OAuthError {
    if (exception instanceof OAuthError) return exception;
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return new InvalidRequestError(httpMessage(exception), exception.getStatus());
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.error(`database unavailable: ${errorName(exception)}`);
      return new TemporarilyUnavailableError('the service is temporarily unavailable, retry later');
    }
    // Class and code only: driver messages may echo request values.
    this.logger.error(`unexpected ${errorName(exception)} ${errorCode(exception) ?? ''}`.trimEnd());
    return new ServerError('the server could not handle the request');
  }
}

function httpMessage(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message = (body as { message: unknown }).message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return exception.message;
}

function errorName(exception: unknown): string {
  return exception instanceof Error ? exception.constructor.name : typeof exception;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  '08006',
  '08001',
  'SQLITE_BUSY',
]);

function errorCode(exception: unknown): string | undefined {
  const e = exception as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

// pg reports a dropped or unreachable server with these messages and no code.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Connection ended|connection error/i;

/** The database (or the network to it) is down: a 503 the client may retry, not a 500. */
export function isDatabaseUnavailable(exception: unknown): boolean {
  const code = errorCode(exception);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  const e = exception as { message?: unknown; driverError?: { message?: unknown } } | undefined;
  const message = `${String(e?.message ?? '')} ${String(e?.driverError?.message ?? '')}`;
  return UNAVAILABLE_MESSAGES.test(message);
}
