import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock, registrationConfig, type RegistrationConfig } from '#config';
import { ClientAuthMethod, SecretPrefix, hashSecret, isStorableText, mintSecret } from '#oauth';
import {
  ClientEntity,
  ClientRepository,
  ConsentRepository,
  TransactionRunner,
  UserRepository,
  isUniqueViolation,
} from '#persistence';
import { SecurityEventOutbox } from '../security-events/security-event-outbox.js';
import { SecurityEventType } from '../security-events/security-event-types.js';
import { ClientCache } from './client-cache.js';
import { CLIENT_POLICY_DEFAULTS } from './client-defaults.js';
import { type RegisteredClientShape, registrationProblem } from './client-registration-rules.js';
import type { UpdateClientDto } from './dto/client.dto.js';
import { CreateClientDto } from './dto/create-client.dto.js';

/** The methods that authenticate with a client secret, the only clients that have one. */
const SECRET_METHODS: readonly string[] = [ClientAuthMethod.ClientSecretBasic, ClientAuthMethod.ClientSecretPost];

export interface CreatedClient {
  client: ClientEntity;
  /** Present for confidential clients; shown once. */
  client_secret?: string;
}

/**
 * The client registry: registration and its rules (client-registration-rules.ts), change, secret
 * rotation and deletion. Checking the credentials a request presents is ClientAuthenticationService's.
 */
@Injectable()
export class ClientRegistrationService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly users: UserRepository,
    private readonly consents: ConsentRepository,
    @Inject(registrationConfig.KEY) private readonly registration: RegistrationConfig,
    private readonly clock: Clock,
    private readonly cache: ClientCache,
    private readonly transactions: TransactionRunner,
    private readonly outbox: SecurityEventOutbox,
  ) {}

  async create(input: CreateClientDto, fixedSecret?: string): Promise<CreatedClient> {
    const method = input.token_endpoint_auth_method ?? ClientAuthMethod.ClientSecretBasic;
    const secret = SECRET_METHODS.includes(method)
      ? (fixedSecret ?? mintSecret(SecretPrefix.ClientSecret).value)
      : undefined;
    const now = this.clock.now();
    const client = Object.assign(new ClientEntity(), {
      ...CLIENT_POLICY_DEFAULTS,
      ...stripUndefined(input),
      client_id: input.client_id ?? randomUUID(),
      client_name: input.client_name ?? '',
      redirect_uris: input.redirect_uris ?? [],
      scope: input.scope ?? '',
      token_endpoint_auth_method: method,
      jwks: input.jwks ?? null,
      jwks_uri: input.jwks_uri ?? null,
      security_event_endpoint: input.security_event_endpoint || null,
      client_secret_hash: secret === undefined ? null : hashSecret(secret),
      created_at: now,
      updated_at: now,
    });
    this.assertAllowed(client);
    // RFC 9700 2.6: a client whose id is a user's id would get tokens whose sub names that user.
    if (await this.users.existsById(client.client_id)) {
      throw new BadRequestException(`RFC 9700 2.6: client_id ${client.client_id} is the id of a user`);
    }
    if (await this.clients.existsByClientId(client.client_id)) {
      throw new BadRequestException(`client_id ${client.client_id} is already registered`);
    }
    try {
      await this.clients.insert(client);
    } catch (e) {
      if (isUniqueViolation(e)) throw new BadRequestException(`client_id ${client.client_id} is already registered`);
      throw e;
    }
    delete (client as Partial<ClientEntity>).client_secret_hash;
    return { client, client_secret: secret };
  }

  /** Newest first, keyset-paged by (created_at, client_id). */
  async list(limit: number, after?: { at: number; id: string }): Promise<ClientEntity[]> {
    return this.clients.listNewestFirst(limit, after);
  }

  async getOrThrow(clientId: string): Promise<ClientEntity> {
    const client = await this.findById(clientId);
    if (!client) throw new NotFoundException(`client ${clientId} not found`);
    return client;
  }

  async update(clientId: string, changes: UpdateClientDto): Promise<ClientEntity> {
    const client = await this.getOrThrow(clientId);
    const changed: Partial<ClientEntity> = {
      ...stripUndefined(changes),
      ...otherKeySourceCleared(changes),
      // An empty string removes the endpoint (JSON null is refused throughout the admin API).
      ...(changes.security_event_endpoint === '' ? { security_event_endpoint: null } : {}),
    };
    const merged = { ...client, ...changed };
    this.assertAllowed(merged);
    const toPublic = merged.token_endpoint_auth_method === ClientAuthMethod.None;
    if (client.token_endpoint_auth_method === ClientAuthMethod.None && !toPublic) {
      throw new BadRequestException('a public client cannot become confidential; register a new client');
    }
    const keyBased = (c: ClientEntity) => c.token_endpoint_auth_method === ClientAuthMethod.PrivateKeyJwt;
    if (keyBased(client) !== keyBased(merged)) {
      throw new BadRequestException(
        'a client cannot change to or from token_endpoint_auth_method private_key_jwt; register a new client',
      );
    }
    const now = this.clock.now();
    const patch = {
      ...changed,
      updated_at: now,
      ...(toPublic ? { client_secret_hash: null } : {}),
      ...(credentialsChange(client, merged) ? { credentials_changed_at: now } : {}),
    };
    await this.clients.update(clientId, patch);
    await this.cache.invalidate(clientId);
    return this.getOrThrow(clientId);
  }

  /** A new secret for a confidential client; the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<string> {
    const client = await this.getOrThrow(clientId);
    if (!SECRET_METHODS.includes(client.token_endpoint_auth_method))
      throw new BadRequestException(
        client.token_endpoint_auth_method === ClientAuthMethod.None
          ? 'a public client has no secret'
          : `a ${client.token_endpoint_auth_method} client has no secret`,
      );
    const secret = mintSecret(SecretPrefix.ClientSecret).value;
    const now = this.clock.now();
    // The new secret and the client's security event are committed together, or neither is.
    const event = this.outbox.draft(SecurityEventType.SecretRotated, 'secret_rotated');
    await this.transactions.run(async (tx) => {
      await tx.clients.update(clientId, secretChange(secret, now));
      await tx.securityEvents.queueForClient(event, { client_id: clientId, subject: null, family_ids: [] }, now);
    });
    await this.cache.invalidate(clientId);
    this.outbox.written(event);
    return secret;
  }

  /** Deletes the client and the consents users gave it. */
  async delete(clientId: string): Promise<void> {
    await this.getOrThrow(clientId);
    await this.consents.deleteForClient(clientId);
    await this.clients.delete(clientId);
    await this.cache.invalidate(clientId);
  }

  /** The client, or null; an id no client could have is not looked up. */
  async findById(clientId: string): Promise<ClientEntity | null> {
    if (!isStorableText(clientId, 200)) return null;
    return this.clients.findByClientId(clientId);
  }

  /** Sets a new secret (hash only stored) for an existing client. */
  async setSecret(clientId: string, secret: string): Promise<void> {
    await this.clients.update(clientId, secretChange(secret, this.clock.now()));
    await this.cache.invalidate(clientId);
  }

  /** The registration rules (client-registration-rules.ts), for a client as it would be stored. */
  assertAllowed(client: RegisteredClientShape): void {
    const problem = registrationProblem(client, this.registration);
    if (problem !== null) throw new BadRequestException(problem);
  }
}

/** The columns a new secret changes: the hash, and the instant before which the client's own tokens stop standing. */
function secretChange(secret: string, now: number): Partial<ClientEntity> {
  return { client_secret_hash: hashSecret(secret), updated_at: now, credentials_changed_at: now };
}

/** A new scope, authentication method or key set: the client's own access tokens issued before it stop standing (TokenStanding). */
function credentialsChange(before: ClientEntity, after: ClientEntity): boolean {
  return (
    before.scope !== after.scope ||
    before.token_endpoint_auth_method !== after.token_endpoint_auth_method ||
    JSON.stringify(before.jwks) !== JSON.stringify(after.jwks) ||
    before.jwks_uri !== after.jwks_uri
  );
}

/** A change naming new keys replaces the other source: jwks and jwks_uri are never both set. */
function otherKeySourceCleared(changes: UpdateClientDto): Partial<ClientEntity> {
  if (changes.jwks !== undefined && changes.jwks_uri === undefined) return { jwks_uri: null };
  if (changes.jwks_uri !== undefined && changes.jwks === undefined) return { jwks: null };
  return {};
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
