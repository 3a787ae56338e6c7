import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { adminConfig, type AdminConfig } from '#config';
import { ClientAuthMethod, GrantType, scopeList } from '#oauth';
import { ClientRepository } from '#persistence';
import { ClientAuthenticationService } from './client-authentication.service.js';
import { ClientRegistrationService } from './client-registration.service.js';

export const ADMIN_SCOPE = 'admin';

/**
 * Makes sure an admin client exists: the one named by ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET (created when
 * missing, otherwise left as it is), or, on a database without any admin client, a new one whose
 * credentials are printed once.
 */
@Injectable()
export class AdminClientBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminClientBootstrap.name);

  constructor(
    @Inject(adminConfig.KEY) private readonly config: AdminConfig,
    private readonly repository: ClientRepository,
    private readonly clients: ClientRegistrationService,
    private readonly authentication: ClientAuthenticationService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { clientId, clientSecret } = this.config;
    if (clientId && clientSecret) return this.ensureConfigured(clientId, clientSecret);
    if (await this.hasAdminClient()) return;
    const { client, client_secret } = await this.clients.create(adminClientInput());
    process.stderr.write(
      `\nCreated admin client (shown once, store it now):\n  ADMIN_CLIENT_ID=${client.client_id}\n  ADMIN_CLIENT_SECRET=${client_secret}\n\n`,
    );
  }

  /**
   * Creates the client when missing, and never changes an existing one: a secret rotation, scope change or
   * deletion made through the admin API must survive a restart (a deleted one is created again).
   */
  private async ensureConfigured(clientId: string, clientSecret: string): Promise<void> {
    if (!(await this.clients.findById(clientId))) {
      await this.clients.create({ ...adminClientInput(), client_id: clientId }, clientSecret);
      this.logger.log(`admin client ${clientId} created from ADMIN_CLIENT_ID`);
      return;
    }
    if (await this.authentication.secretMatches(clientId, clientSecret)) return;
    this.logger.warn(
      `admin client ${clientId} exists with another secret than ADMIN_CLIENT_SECRET (rotated through the admin API?): ` +
        'left unchanged; ADMIN_CLIENT_SECRET does not authenticate it. Update ADMIN_CLIENT_SECRET to the current ' +
        'secret, or delete the client to have it created again from ADMIN_CLIENT_SECRET at the next start',
    );
  }

  private async hasAdminClient(): Promise<boolean> {
    const all = await this.repository.findAll();
    return all.some(
      (c) => scopeList(c.scope).includes(ADMIN_SCOPE) && c.grant_types.includes(GrantType.ClientCredentials),
    );
  }
}

function adminClientInput() {
  return {
    client_name: 'Administrator',
    grant_types: [GrantType.ClientCredentials],
    scope: ADMIN_SCOPE,
    token_endpoint_auth_method: ClientAuthMethod.ClientSecretBasic,
  };
}
