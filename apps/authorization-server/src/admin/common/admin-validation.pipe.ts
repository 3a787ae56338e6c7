import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';

/**
 * Unknown fields, wrong types and out-of-range values are 400s. A JSON `null` is refused too:
 * class-validator's IsOptional would let it through to a NOT NULL column.
 */
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
    if (metadata.type === 'body' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nulls = Object.entries(value)
        .filter(([, v]) => v === null)
        .map(([k]) => k);
      if (nulls.length > 0) throw new BadRequestException(nulls.map((k) => `${k} must not be null`));
    }
    return super.transform(value, metadata);
  }
}
