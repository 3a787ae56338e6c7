import { Injectable, Logger } from '@nestjs/common';
import { ClientAuthMethod, InvalidClientError, NO_CONTROL_CHARACTERS, isStorableText, secretMatchesHash } from '#oauth';
import { ClientEntity, ClientRepository } from '#persistence';
import { AuthFailureMonitor } from './auth-failure-monitor.js';
import { ClientAssertionService } from './client-assertion.service.js';
import { ClientCache, type ClientCredentialsRecord } from './client-cache.js';

export interface PresentedClientCredentials {
  method: ClientAuthMethod;
  clientId: string;
  clientSecret?: string;
  /** private_key_jwt: the client_assertion (never logged). */
  clientAssertion?: string;
}

/**
 * Checks the credentials a request presents for a client (RFC 6749 2.3), reading registrations
 * through the ClientCache. Registration and its rules live in ClientRegistrationService.
 */
@Injectable()
export class ClientAuthenticationService {
  private readonly logger = new Logger(ClientAuthenticationService.name);

  constructor(
    private readonly clients: ClientRepository,
    private readonly failures: AuthFailureMonitor,
    private readonly cache: ClientCache,
    private readonly assertions: ClientAssertionService,
  ) {}

  /**
   * RFC 6749 2.3: authenticates the client by the one method it used. Every failure is the
   * same `invalid_client`, so the answer tells nothing about which part was wrong. Credentials
   * with control characters belong to no client and are not looked up.
   */
  async authenticate(presented: PresentedClientCredentials): Promise<ClientEntity> {
    const basic = presented.method === ClientAuthMethod.ClientSecretBasic;
    const failed = () => new InvalidClientError('client authentication failed', basic);
    const presentable =
      isStorableText(presented.clientId, 200) && NO_CONTROL_CHARACTERS.test(presented.clientSecret ?? '');
    const found = presentable ? await this.cache.get(presented.clientId, (id) => this.loadCredentials(id)) : null;
    const secretOk = secretMatchesHash(presented.clientSecret ?? '', found?.secretHash);
    if (!found) throw failed();
    const { client } = found;
    if (
      client.token_endpoint_auth_method !== presented.method ||
      !(await this.credentialsOk(presented, client, secretOk))
    ) {
      await this.failures.failed(client.client_id);
      throw failed();
    }
    return client;
  }

  private async credentialsOk(
    presented: PresentedClientCredentials,
    client: Readonly<ClientEntity>,
    secretOk: boolean,
  ): Promise<boolean> {
    if (presented.method === ClientAuthMethod.None) return true;
    if (presented.method !== ClientAuthMethod.PrivateKeyJwt) return secretOk;
    try {
      await this.assertions.verify(presented.clientAssertion, client);
      return true;
    } catch (e) {
      if (!(e instanceof InvalidClientError)) throw e;
      // The reason only: never the assertion itself.
      this.logger.debug(`client assertion of ${client.client_id} refused: ${e.message}`);
      return false;
    }
  }

  /**
   * The client, or null, from the registrations cache (ClientCache): a change or deletion made
   * through the API is seen at once on every instance, one made by hand in the database within
   * CLIENT_CACHE_TTL. For checks on every request, such as the admin API's bearer tokens.
   */
  async findCached(clientId: string): Promise<Readonly<ClientEntity> | null> {
    if (!isStorableText(clientId, 200)) return null;
    return (await this.cache.get(clientId, (id) => this.loadCredentials(id)))?.client ?? null;
  }

  /** Whether `secret` is the client's current secret, read from the database (not the cache). */
  async secretMatches(clientId: string, secret: string): Promise<boolean> {
    return secretMatchesHash(secret, (await this.loadCredentials(clientId))?.secretHash);
  }

  private async loadCredentials(clientId: string): Promise<ClientCredentialsRecord | null> {
    const client = await this.clients.findWithSecretHash(clientId);
    if (!client) return null;
    const secretHash = client.client_secret_hash;
    delete (client as Partial<ClientEntity>).client_secret_hash;
    return { client, secretHash };
  }
}
