import { ApiProperty } from '@nestjs/swagger';

/** The one JSON shape of every admin API error. */
export class AdminErrorDto {
  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'bad_request', description: 'Short machine-readable code' })
  error: string;

  @ApiProperty({ example: 'limit must not be greater than 500' })
  message: string;
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  503: 'unavailable',
};

export function adminError(status: number, message: string): AdminErrorDto {
  return { status, error: CODES[status] ?? 'error', message };
}
