import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidRequestError } from '#oauth';
import type { TokenRequestParams } from './grant-handler.js';

/** Validates the parameters of one grant against its DTO; unknown parameters are ignored (RFC 6749 3.2). */
export function grantParams<T extends object>(dto: new () => T, params: TokenRequestParams): T {
  const instance = plainToInstance(dto, { ...params });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length > 0) {
    const first = errors[0];
    throw new InvalidRequestError(Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`);
  }
  return instance;
}
