import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';

/**
 * Unknown fields, wrong types and out-of-range values are 400s. A JSON `null` is refused too:
 * class-validator's IsOptional would let it through to a NOT NULL column.
 */
const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];

@Injectable()
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value !== null && typeof value === 'object') {
      // JSON.parse and query parsing make these own keys; the whitelist does not see them.
      const reserved = RESERVED_KEYS.filter((k) => Object.prototype.hasOwnProperty.call(value, k));
      if (reserved.length > 0) throw new BadRequestException(reserved.map((k) => `property ${k} should not exist`));
    }
    if (metadata.type === 'body' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nulls = Object.entries(value)
        .filter(([, v]) => v === null)
        .map(([k]) => k);
      if (nulls.length > 0) throw new BadRequestException(nulls.map((k) => `${k} must not be null`));
    }
    return super.transform(value, metadata);
  }
}
