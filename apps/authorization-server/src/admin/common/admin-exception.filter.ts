import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { BearerError } from '#bearer';
import { isDatabaseUnavailable } from '#oauth';
import { adminError } from './admin-error.js';

/** Renders every admin API error as AdminErrorDto; internals are logged by class name only. */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Admin');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.setHeader('Cache-Control', 'no-store');
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (exception instanceof BearerError) res.setHeader('WWW-Authenticate', exception.challenge);
      res.status(status).json(adminError(status, messageOf(exception)));
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      res
        .status(503)
        .setHeader('Retry-After', '5')
        .json(adminError(503, 'the service is temporarily unavailable, retry later'));
      return;
    }
    const code = (exception as { code?: unknown })?.code;
    this.logger.error(
      `unexpected ${exception instanceof Error ? exception.constructor.name : typeof exception} ${typeof code === 'string' ? code : ''}`,
    );
    res.status(500).json(adminError(500, 'the server could not handle the request'));
  }
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message = (body as { message: unknown }).message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return exception.message;
}
