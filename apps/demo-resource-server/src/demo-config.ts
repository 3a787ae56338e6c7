import { plainToInstance, Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** Every environment variable the demo resource server reads. */
class DemoEnvironment {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  DEMO_PORT = 4000;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @Matches(/^[^?#]*[^/?#]$/, { message: 'AUTH_ISSUER must have no query, fragment or trailing slash' })
  AUTH_ISSUER = 'http://localhost:3000';

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  DEMO_AUDIENCE?: string;
}

export interface DemoConfig {
  port: number;
  /** The authorization server whose access tokens are accepted; its JWKS is at /.well-known/jwks.json. */
  issuer: string;
  audience: string;
}

/** Validates the environment at start; the message names every bad variable. */
export function loadDemoConfig(input: Record<string, string | undefined>): DemoConfig {
  const raw = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== ''));
  const env = plainToInstance(DemoEnvironment, raw, { exposeDefaultValues: true });
  const messages = validateSync(env).flatMap((e) => Object.values(e.constraints ?? {}));
  if (messages.length > 0) throw new Error(`Invalid configuration:\n  - ${messages.join('\n  - ')}`);
  // The authorization server's access tokens name the issuer as their audience by default.
  return { port: env.DEMO_PORT, issuer: env.AUTH_ISSUER, audience: env.DEMO_AUDIENCE ?? env.AUTH_ISSUER };
}
