import type { ConsentEntity } from '../entities/consent.entity.js';

/** The consent table: one row per user and client. */
export abstract class ConsentRepository {
  abstract find(userId: string, clientId: string): Promise<ConsentEntity | null>;
  abstract exists(userId: string, clientId: string): Promise<boolean>;
  /** Inserts the consent, or replaces the one of the same user and client. */
  abstract save(consent: ConsentEntity): Promise<void>;
  abstract delete(userId: string, clientId: string): Promise<void>;
  abstract deleteForClient(clientId: string): Promise<void>;
}
