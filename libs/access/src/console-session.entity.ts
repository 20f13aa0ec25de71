import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A signed-in console session (see migration 1764160000000). */
@Entity('console_session')
export class ConsoleSession {
  /** SHA-256 (hex) of the session cookie's value; the value itself is never stored. */
  @PrimaryColumn({ name: 'id_digest', type: 'varchar', length: 64 })
  idDigest: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  /** The client's credential version at sign-in: rotating or revoking the secret ends the session. */
  @Column({ type: 'varchar', length: 64 })
  credential: string;

  @Column({ name: 'csrf_token', type: 'varchar', length: 64 })
  csrfToken: string;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'last_seen_at', type: 'datetime', precision: 3 })
  lastSeenAt: Date;
}
