import { Strategy } from 'passport-strategy';
import type { Request } from 'express';
import type { ClientEntity } from '#persistence';
import type { PresentedClientCredentials } from '../clients.service.js';

type Verify = (
  presented: PresentedClientCredentials,
  done: (err: unknown, client?: ClientEntity | false) => void,
) => void;

/**
 * Base of the three token-endpoint client authentication strategies: each extracts the
 * credentials its method carries; verification is shared (ClientsService.authenticate).
 */
export class ClientCredentialsStrategy extends Strategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  /** Overridden by each method's strategy. */
  protected extract(_req: Request): PresentedClientCredentials {
    throw new Error(`${this.constructor.name} does not extract credentials`);
  }

  override authenticate(req: Request): void {
    let presented: PresentedClientCredentials;
    try {
      presented = this.extract(req);
    } catch (err) {
      return this.error(err as Error);
    }
    this.verify(presented, (err, client) => {
      if (err) return this.error(err as Error);
      if (!client) return this.fail(401);
      return this.success(client);
    });
  }
}

/** The form parameters of the token request, parsed by FormBodyGuard. */
export function formParams(req: Request): Record<string, string> {
  return (req.body ?? {}) as Record<string, string>;
}
