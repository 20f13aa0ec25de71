import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_DJANGO_HASH_LENGTH, type DjangoFormat } from './django-hash.js';
import { MAX_PASSWORD_LENGTH } from './password-store.js';

export const MAX_IMPORT_ROWS = 10_000;

export class SetPasswordDto {
  /** The new password (stored only as an argon2id hash, never echoed). */
  @ApiProperty({ format: 'password', example: 'Temp-2026-secret' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_PASSWORD_LENGTH)
  password: string;

  /** The user must change it before it is accepted at login (e.g. a temporary password). */
  @IsOptional()
  @IsBoolean()
  mustChange?: boolean;
}

export class PasswordSetResponseDto {
  /** The username as given (matched case-insensitively). */
  username: string;
  /** True when the user had no password before. */
  created: boolean;
  mustChange: boolean;
}

export class PasswordRemovedResponseDto {
  username: string;
  /** False when the user had no password. */
  removed: boolean;
}

export class ImportPasswordsDto {
  /**
   * Rows `{ "username": "...", "password": "...", "mustChange"?: boolean }`, or with
   * `"passwordHash"` instead of `"password"`: a Django hash from OMFLOW's user table
   * (`pbkdf2_sha256$…`, `pbkdf2_sha1$…`, `argon2$…`, `bcrypt_sha256$…`, `bcrypt$…`), stored as it
   * is and replaced by the bridge's argon2id at the user's next good login. Each row is validated
   * on its own: a bad row is reported in the answer and does not stop the others.
   */
  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        username: { type: 'string' },
        password: { type: 'string', format: 'password' },
        passwordHash: {
          type: 'string',
          format: 'password',
          maxLength: MAX_DJANGO_HASH_LENGTH,
          description: 'A Django password hash, instead of password.',
          example: 'pbkdf2_sha256$870000$<salt>$<base64>',
        },
        mustChange: { type: 'boolean' },
      },
    },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_ROWS)
  items: unknown[];

  /** What to do with a user who already has a password: `replace` it (default) or `skip` the row. */
  @IsOptional()
  @IsIn(['replace', 'skip'])
  onExisting?: 'replace' | 'skip';
}

export class ImportRowResultDto {
  /** Position of the row in `items`. */
  index: number;
  username: string | null;
  @ApiProperty({ enum: ['created', 'updated', 'skipped', 'invalid'] })
  status: 'created' | 'updated' | 'skipped' | 'invalid';
  /** Why the row was refused (status `invalid`). */
  problems?: string[];
}

export class ImportPasswordsResponseDto {
  total: number;
  created: number;
  updated: number;
  skipped: number;
  invalid: number;
  /** Rows stored (created or updated) per format: `plain` passwords, or the Django hash format. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { plain: 2, pbkdf2_sha256: 120 } })
  formats: Partial<Record<'plain' | DjangoFormat, number>>;
  results: ImportRowResultDto[];
}

export class LockoutQueryDto {
  /** Page size. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class LockoutDto {
  @ApiProperty({ enum: ['user', 'ip'] })
  kind: 'user' | 'ip';
  /**
   * The username (lower-cased) or the source IP. A username nobody holds shows as
   * `sha256:<hex>` (it is often a password typed into the wrong field); clear it by the name.
   */
  subject: string;
  /** Failures counted in the current window since the lock started. */
  failures: number;
  lockedUntil: Date;
}

export class LockoutListDto {
  items: LockoutDto[];
  total: number;
}

export class LockoutClearedDto {
  @ApiProperty({ enum: ['user', 'ip'] })
  kind: 'user' | 'ip';
  subject: string;
  /** False when there was no counter or lock to clear. */
  cleared: boolean;
}
