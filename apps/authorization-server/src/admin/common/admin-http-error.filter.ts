import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { adminError } from './admin-error.js';

/**
 * Errors raised before an admin route's own filter runs (an unknown route, a path Express cannot
 * decode) answer in the admin error shape too; elsewhere they keep Nest's.
 */
@Catch(HttpException)
export class AdminHttpErrorFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const status = exception.getStatus();
    if (req.path === '/admin' || req.path.startsWith('/admin/')) {
      const message = status === 404 ? `no route ${req.method} ${req.path}` : exception.message;
      res.status(status).setHeader('Cache-Control', 'no-store').json(adminError(status, message));
      return;
    }
    res.status(status).json(exception.getResponse());
  }
}
