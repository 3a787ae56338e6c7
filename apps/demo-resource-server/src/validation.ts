import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** Unknown fields and wrong types are 400s, in the same shape as the bearer-token errors. */
export const validBody = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
  exceptionFactory: (errors: ValidationError[]) =>
    new BadRequestException({
      error: 'invalid_request',
      error_description: errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') || 'invalid body',
    }),
});
