import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { adminConfig, type AdminConfig } from '#config';
import { ClientAuthMethod, GrantType, scopeList } from '#oauth';
import { ClientEntity } from '#persistence';
import { ClientsService } from './clients.service.js';

export const ADMIN_SCOPE = 'admin';

/**
 * Makes sure an admin client exists: the one named by ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET,
 * or, on a database without any admin client, a new one whose credentials are printed once.
 */
@Injectable()
export class AdminClientBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminClientBootstrap.name);

  constructor(
    @Inject(adminConfig.KEY) private readonly config: AdminConfig,
    @InjectRepository(ClientEntity) private readonly repository: Repository<ClientEntity>,
    private readonly clients: ClientsService,
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

  private async ensureConfigured(clientId: string, clientSecret: string): Promise<void> {
    const existing = await this.clients.findById(clientId);
    if (!existing) {
      await this.clients.create({ ...adminClientInput(), client_id: clientId }, clientSecret);
      this.logger.log(`admin client ${clientId} created from ADMIN_CLIENT_ID`);
      return;
    }
    const scopes = new Set([...scopeList(existing.scope), ADMIN_SCOPE]);
    const grants = new Set([...existing.grant_types, GrantType.ClientCredentials]);
    const changes = {
      scope: [...scopes].join(' '),
      grant_types: [...grants],
      token_endpoint_auth_method: ClientAuthMethod.ClientSecretBasic,
    };
    // The registration rules hold for the admin client too (an admin scope beside a user grant).
    this.clients.assertAllowed({ ...existing, ...changes });
    await this.repository.update({ client_id: clientId }, changes);
    await this.clients.setSecret(clientId, clientSecret);
  }

  private async hasAdminClient(): Promise<boolean> {
    const all = await this.repository.find();
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
