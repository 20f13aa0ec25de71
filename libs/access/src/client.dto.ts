import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { ALL_SCOPES, OffsetPageQueryDto, Scope } from '#app/common';
import { CLIENT_ID_PATTERN } from '#app/config';
import type { ApiClient } from './api-client.entity.js';

export class CreateClientDto {
  /** Client id, also the HTTP Basic user name. Generated (`cl_…`) when omitted. */
  @IsOptional()
  @Matches(CLIENT_ID_PATTERN, { message: 'id must be 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit' })
  id?: string;

  /** A name people recognise: the team or system using the client. */
  @IsString()
  @Length(1, 200)
  name: string;

  /** What the client is for. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** What the client may do; `admin` implies everything. */
  @ApiProperty({ enum: ALL_SCOPES, isArray: true, example: [Scope.UsersQuery] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(ALL_SCOPES.length)
  @IsIn(ALL_SCOPES, { each: true, message: `each value in scopes must be one of ${ALL_SCOPES.join(', ')}` })
  scopes: Scope[];

  /** Organisation codes the client may reach through the directory proxy; omit for all. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  organisations?: string[];
}

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class ListClientsQueryDto extends OffsetPageQueryDto {
  /** Include revoked clients. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  includeRevoked?: boolean = false;

  /** Only clients holding this scope. */
  @ApiProperty({ enum: ALL_SCOPES, required: false })
  @IsOptional()
  @IsIn(ALL_SCOPES)
  scope?: Scope;
}

export class ClientResponseDto {
  id: string;
  name: string;
  description: string | null;
  @ApiProperty({ enum: ALL_SCOPES, isArray: true })
  scopes: Scope[];
  /** Organisation codes reachable through the directory proxy; null = all. */
  organisations: string[] | null;
  /** `api` (created over this API), `env` (declared by environment variables, read-only here), `bootstrap` (the generated first admin). */
  @ApiProperty({ enum: ['api', 'env', 'bootstrap'] })
  managedBy: string;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  /** Last successful authentication (to the minute). */
  lastUsedAt: string | null;
}

export class IssuedClientResponseDto extends ClientResponseDto {
  /**
   * The secret, shown this once and stored only as a SHA-256 digest. Use it as the HTTP Basic
   * password (with `id` as user name) or as a bearer token.
   */
  secret: string;
}

export class ClientPageDto {
  items: ClientResponseDto[];
  total: number;
  offset: number;
  limit: number;
}

export function toClientResponse(client: ApiClient): ClientResponseDto {
  return {
    id: client.id,
    name: client.name,
    description: client.description,
    scopes: client.scopes,
    organisations: client.organisations,
    managedBy: client.managedBy,
    createdBy: client.createdBy,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
    rotatedAt: client.rotatedAt?.toISOString() ?? null,
    revokedAt: client.revokedAt?.toISOString() ?? null,
    lastUsedAt: client.lastUsedAt?.toISOString() ?? null,
  };
}

export class WhoAmIDto {
  clientId: string;
  name: string;
  @ApiProperty({ enum: ALL_SCOPES, isArray: true })
  scopes: Scope[];
  organisations: string[] | null;
  /** How the client authenticated on this request. */
  @ApiProperty({ enum: ['basic', 'bearer', 'security-code', 'access-token', 'session'] })
  via: string;
}
