import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A single-use emergency token that lets one approval publish a held run needing two
 * (GUARD_FOUR_EYES_USER_REMOVALS). Only the SHA-256 digest of the token is kept; it is shown once.
 */
@Entity('sync_override_token')
export class OverrideToken {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'run_id', type: 'integer' })
  runId: number;

  /** SHA-256 of the token, hex. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt: Date | null;

  @Column({ name: 'used_by', type: 'varchar', length: 64, nullable: true })
  usedBy: string | null;
}
