import { IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';

const required = (name: string) => ({ message: `${name} is required` });
const tooLong = (name: string) => ({ message: `${name} is too long` });

export class ClientCredentialsParams {
  @IsOptional()
  @IsString()
  @MaxLength(2048, tooLong('scope'))
  scope?: string;
}

/** RFC 6749 4.3.2. */
export class PasswordParams {
  @IsDefined(required('username'))
  @IsString()
  @MaxLength(200, tooLong('username'))
  username: string;

  @IsDefined(required('password'))
  @IsString()
  @MaxLength(1024, tooLong('password'))
  password: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048, tooLong('scope'))
  scope?: string;
}

/** RFC 6749 6. */
export class RefreshTokenParams {
  @IsDefined(required('refresh_token'))
  @IsString()
  @MaxLength(512, tooLong('refresh_token'))
  refresh_token: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048, tooLong('scope'))
  scope?: string;
}

/** RFC 6749 4.1.3 with RFC 7636 4.5. */
export class AuthorizationCodeParams {
  @IsDefined(required('code'))
  @IsString()
  @MaxLength(512, tooLong('code'))
  code: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048, tooLong('redirect_uri'))
  redirect_uri?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128, tooLong('code_verifier'))
  code_verifier?: string;
}
