import { Column, Entity, PrimaryColumn } from 'typeorm';
import { jsonColumn } from '#app/database';
import type { Scope } from '#app/common';

/** How a client came to exist; environment-managed clients cannot be changed over the API. */
export type ClientOrigin = 'api' | 'env' | 'bootstrap';

@Entity('api_client')
export class ApiClient {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text', transformer: jsonColumn })
  scopes: Scope[];

  @Column({ type: 'text', nullable: true, transformer: jsonColumn })
  organisations: string[] | null;

  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  @Column({ name: 'secret_digest', type: 'varchar', length: 64 })
  secretDigest: string;

  @Column({ name: 'managed_by', type: 'varchar', length: 16 })
  managedBy: ClientOrigin;

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'rotated_at', type: 'datetime', precision: 3, nullable: true })
  rotatedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt: Date | null;
}
