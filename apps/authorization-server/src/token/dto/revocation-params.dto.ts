import { IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';

/** RFC 7009 2.1 and RFC 7662 2.1: the token, and a hint of its type. */
export class TokenParams {
  @IsDefined({ message: 'token is required' })
  @IsString()
  @MaxLength(8192, { message: 'token is too long' })
  token: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;
}
