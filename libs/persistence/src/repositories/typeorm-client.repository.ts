import type { EntityManager, Repository } from 'typeorm';
import { ClientEntity } from '../entities/client.entity.js';
import { type KeysetAfter, newestFirst } from '../keyset.js';
import { type ClientChanges, ClientRepository, type ClientWithSecretHash } from './client.repository.js';

export class TypeOrmClientRepository extends ClientRepository {
  private readonly clients: Repository<ClientEntity>;

  constructor(private readonly manager: EntityManager) {
    super();
    this.clients = manager.getRepository(ClientEntity);
  }

  findByClientId(clientId: string): Promise<ClientEntity | null> {
    return this.clients.findOneBy({ client_id: clientId });
  }

  findWithSecretHash(clientId: string): Promise<ClientWithSecretHash | null> {
    return this.clients
      .createQueryBuilder('c')
      .addSelect('c.client_secret_hash')
      .where('c.client_id = :id', { id: clientId })
      .getOne();
  }

  existsByClientId(clientId: string): Promise<boolean> {
    return this.clients.existsBy({ client_id: clientId });
  }

  findAll(): Promise<ClientEntity[]> {
    return this.clients.find();
  }

  listNewestFirst(limit: number, after?: KeysetAfter): Promise<ClientEntity[]> {
    const qb = this.clients.createQueryBuilder('c');
    return newestFirst(qb, { time: 'c.created_at', id: 'c.client_id' }, limit, after).getMany();
  }

  async insert(client: ClientEntity): Promise<void> {
    await this.clients.insert(client);
  }

  async update(clientId: string, changes: ClientChanges): Promise<void> {
    await this.clients.update({ client_id: clientId }, changes);
  }

  async delete(clientId: string): Promise<void> {
    await this.clients.delete({ client_id: clientId });
  }

  async longestAccessTokenLifetime(): Promise<number | null> {
    const [row] = (await this.manager.query('SELECT MAX(access_token_lifetime) AS longest FROM oauth_client')) as {
      longest: number | string | null;
    }[];
    return row?.longest === null || row?.longest === undefined ? null : Number(row.longest);
  }
}
