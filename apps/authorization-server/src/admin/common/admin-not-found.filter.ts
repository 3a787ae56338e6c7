import { ArgumentsHost, Catch, ExceptionFilter, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { adminError } from './admin-error.js';

/** An unknown route under /admin answers in the admin error shape too; others keep Nest's. */
@Catch(NotFoundException)
export class AdminNotFoundFilter implements ExceptionFilter {
  catch(exception: NotFoundException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (req.path === '/admin' || req.path.startsWith('/admin/')) {
      res
        .status(404)
        .setHeader('Cache-Control', 'no-store')
        .json(adminError(404, `no route ${req.method} ${req.path}`));
      return;
    }
    res.status(404).json(exception.getResponse());
  }
}
