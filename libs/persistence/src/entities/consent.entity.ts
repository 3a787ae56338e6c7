import { Column, Entity, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** Scopes a user allowed a client and asked to be remembered. */
@Entity('consent')
export class ConsentEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  user_id: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  client_id: string;

  @Column({ type: 'text' })
  scope: string;

  @InstantColumn()
  created_at: number;

  @InstantColumn()
  updated_at: number;
}
