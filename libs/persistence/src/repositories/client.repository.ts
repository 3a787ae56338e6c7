import type { ClientEntity } from '../entities/client.entity.js';
import type { KeysetAfter } from '../keyset.js';

/** A client as stored, with the SHA-256 of its secret (null for public clients). */
export type ClientWithSecretHash = ClientEntity & { client_secret_hash: string | null };

/** Changes to a registered client (the columns the admin API and secret rotation write). */
export type ClientChanges = Partial<Omit<ClientEntity, 'client_id' | 'created_at'>>;

/** The oauth_client table. */
export abstract class ClientRepository {
  abstract findByClientId(clientId: string): Promise<ClientEntity | null>;
  /** The client with its secret hash (never selected otherwise). */
  abstract findWithSecretHash(clientId: string): Promise<ClientWithSecretHash | null>;
  abstract existsByClientId(clientId: string): Promise<boolean>;
  abstract findAll(): Promise<ClientEntity[]>;
  /** Newest first, keyset-paged by (created_at, client_id), one row more than `limit`. */
  abstract listNewestFirst(limit: number, after?: KeysetAfter): Promise<ClientEntity[]>;
  abstract insert(client: ClientEntity): Promise<void>;
  abstract update(clientId: string, changes: ClientChanges): Promise<void>;
  abstract delete(clientId: string): Promise<void>;
  /** The longest access_token_lifetime of any client in seconds, or null when there is none. */
  abstract longestAccessTokenLifetime(): Promise<number | null>;
}
