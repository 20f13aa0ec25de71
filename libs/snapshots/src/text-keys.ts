import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { DirectSql, isMysql } from '#app/database';
import type { UserRecord } from '#app/hr-source';
import { omflowCollation, USER_FIELDS, type OmflowCollation } from '#app/omflow-contract';

/** The user columns whose text the query API compares: the contract's fields and the default department. */
export const USER_KEY_FIELDS = [...USER_FIELDS, 'default_group'] as const;
export type UserKeyField = (typeof USER_KEY_FIELDS)[number];

/** The column holding the collation key of `field` (SQLite only). */
export const keyColumn = (field: string): string => `${field}_key`;

/** Key columns of `person` and `user_version`, in USER_KEY_FIELDS order. */
export const USER_KEY_COLUMNS = USER_KEY_FIELDS.map(keyColumn);

/** The indexes of person's key columns (migration 1764140000000); a first sync builds them after its inserts (BulkIndexes). */
export const PERSON_KEY_INDEXES = ['username', 'email', 'ad_no', 'nick_name'].map((field) => ({ name: `ix_person_${field}_key`, column: keyColumn(field) }));

/** The SQLite function giving a text's LIKE fold (see OmflowCollation.fold). */
export const FOLD_FUNCTION = 'omflow_fold';

/** FOLD_FUNCTION's body: a text's fold; other values folded as their JSON, NULL as NULL. */
export function foldFunction(collation: OmflowCollation): (value: unknown) => string | null {
  return (value) => (typeof value === 'string' ? collation.fold(value) : value === null || value === undefined ? null : collation.fold(JSON.stringify(value)));
}

/**
 * How this database compares text as OMFLOW's MySQL database does (OMFLOW_COLLATION). MySQL and
 * MariaDB compare with the collation itself. SQLite cannot: beside each compared text column it
 * stores the collation key of the value (`<column>_key`, computed here when snapshots are
 * written, migration 1764140000000), compared bytewise; LIKE is a substring search in the
 * values' folds (FOLD_FUNCTION). `stored` tells which.
 */
@Injectable()
export class TextKeys implements OnModuleInit {
  /** SQLite: keys are stored beside the text and compared instead of it. */
  readonly stored: boolean;
  readonly collation: OmflowCollation;
  /** MySQL: OMFLOW's collation as this server names it (checked at start-up). */
  serverCollation: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: DirectSql,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.stored = !isMysql(dataSource.options);
    this.collation = omflowCollation(config.query.collation);
    this.serverCollation = this.collation.name;
  }

  async onModuleInit(): Promise<void> {
    if (this.stored) {
      this.sql.defineFunction(FOLD_FUNCTION, foldFunction(this.collation));
      return;
    }
    // MariaDB has no utf8mb4_0900_ai_ci before 11.4.5, which made it an alias of utf8mb4_uca1400_nopad_ai_ci.
    const candidates = this.collation.name === 'utf8mb4_0900_ai_ci' ? ['utf8mb4_0900_ai_ci', 'utf8mb4_uca1400_nopad_ai_ci'] : [this.collation.name];
    for (const name of candidates) {
      try {
        await this.dataSource.query(`SELECT 'a' COLLATE ${name} AS a`);
        this.serverCollation = name;
        return;
      } catch {
        // Not known to this server: the next candidate.
      }
    }
    throw new Error(`OMFLOW_COLLATION=${this.collation.name}: this MySQL/MariaDB server knows no collation ${candidates.join(' or ')}`);
  }

  key(value: string | null | undefined): string | null {
    return value === null || value === undefined ? null : this.collation.key(value);
  }

  /** The key columns a user row gets (none on MySQL). */
  get userColumns(): readonly string[] {
    return this.stored ? USER_KEY_COLUMNS : [];
  }

  /** The values of `userColumns` for `user`. */
  userKeys(user: UserRecord): (string | null)[] {
    if (!this.stored) return [];
    return USER_KEY_FIELDS.map((f) => this.key(f === 'default_group' ? (user.groups[0] ?? null) : user[f]));
  }
}
