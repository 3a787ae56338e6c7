import type { ClientEntity } from '../entities/client.entity.js';
import type { KeysetAfter } from '../keyset.js';
import { type ClientChanges, ClientRepository, type ClientWithSecretHash } from '../repositories/client.repository.js';
import { newestFirstInMemory, uniqueViolation, without } from './in-memory-table.js';

/** The oauth_client table in memory; the secret hash is answered only by `findWithSecretHash`, as in SQL. */
export class FakeClientRepository extends ClientRepository {
  private readonly rows = new Map<string, ClientWithSecretHash>();

  /** The stored row, read synchronously (for the fakes that join clients inside one "transaction"). */
  peek(clientId: string): Readonly<ClientWithSecretHash> | undefined {
    return this.rows.get(clientId);
  }

  async findByClientId(clientId: string): Promise<ClientEntity | null> {
    const client = this.rows.get(clientId);
    return client ? copy(without(client, 'client_secret_hash')) : null;
  }

  async findWithSecretHash(clientId: string): Promise<ClientWithSecretHash | null> {
    const client = this.rows.get(clientId);
    return client ? copy(client) : null;
  }

  async existsByClientId(clientId: string): Promise<boolean> {
    return this.rows.has(clientId);
  }

  async findAll(): Promise<ClientEntity[]> {
    return [...this.rows.values()].map((c) => copy(without(c, 'client_secret_hash')));
  }

  async listNewestFirst(limit: number, after?: KeysetAfter): Promise<ClientEntity[]> {
    const rows = this.rows.values();
    const page = newestFirstInMemory(rows, (c) => ({ at: c.created_at, id: c.client_id }), limit, after);
    return page.map((c) => copy(without(c, 'client_secret_hash')));
  }

  async insert(client: ClientEntity): Promise<void> {
    if (this.rows.has(client.client_id)) throw uniqueViolation(`oauth_client.client_id ${client.client_id}`);
    this.rows.set(client.client_id, copy({ ...client } as ClientWithSecretHash));
  }

  async update(clientId: string, changes: ClientChanges): Promise<void> {
    const client = this.rows.get(clientId);
    if (client) this.rows.set(clientId, copy({ ...client, ...changes }));
  }

  async delete(clientId: string): Promise<void> {
    this.rows.delete(clientId);
  }

  async longestAccessTokenLifetime(): Promise<number | null> {
    const lifetimes = [...this.rows.values()].map((c) => c.access_token_lifetime);
    return lifetimes.length === 0 ? null : Math.max(...lifetimes);
  }
}

/** The list columns are stored as JSON: a caller never shares an array with the table. */
function copy<T extends Partial<ClientEntity>>(client: T): T {
  return {
    ...client,
    ...(client.redirect_uris ? { redirect_uris: [...client.redirect_uris] } : {}),
    ...(client.grant_types ? { grant_types: [...client.grant_types] } : {}),
  };
}
