import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

/** A hand edit of a user, as an OMFLOW administrator makes it: any field; the ones left out stay. */
export class EditUserDto {
  @IsOptional() @IsString() @MinLength(1) username?: string;
  @IsOptional() @IsString() email?: string;
  @IsOptional() @IsString() nick_name?: string;
  @IsOptional() @IsString() ad_no?: string;
  @IsOptional() @IsString() company?: string;
  @IsOptional() @IsString() phone1?: string;
  @IsOptional() @IsString() phone2?: string;
  @IsOptional() @IsString() extension_no?: string;
  @IsOptional() @IsString() gender?: string;
  /** OMFLOW's "deactivate user". */
  @IsOptional() @IsBoolean() is_active?: boolean;
  /** OMFLOW's soft delete flag, set or cleared directly. */
  @IsOptional() @IsBoolean() delete?: boolean;
  /** group_no of the default department (null: none). */
  @IsOptional() @IsString() default_group?: string | null;
}

/** A user created by hand in OMFLOW (not from Custom HR). */
export class CreateUserDto {
  @IsString() @MinLength(1) username: string;
  @IsEmail() email: string;
  @IsOptional() @IsString() nick_name?: string;
  @IsOptional() @IsString() ad_no?: string;
  @IsOptional() @IsString() company?: string;
  @IsOptional() @IsString() phone1?: string;
  @IsOptional() @IsString() phone2?: string;
  @IsOptional() @IsString() extension_no?: string;
  @IsOptional() @IsString() gender?: string;
  @IsOptional() @IsBoolean() is_active?: boolean;
}

/** A simulated failed apply, for the next pull only. */
export class ApplyFaultDto {
  /** The whole next pull fails: nothing is applied. */
  @IsOptional() @IsBoolean() whole?: boolean;
  /** Usernames whose records fail in the next pull (compared case- and accent-insensitively). */
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @IsString({ each: true }) @MaxLength(150, { each: true }) users?: string[];
  /** Department codes whose records fail in the next pull. */
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @IsString({ each: true }) @MaxLength(150, { each: true }) groups?: string[];
}

export class ListUsersQueryDto {
  /** `live` (default), `deleted` or `all`. */
  @IsOptional() @IsIn(['live', 'deleted', 'all']) state?: 'live' | 'deleted' | 'all';
}

export class ListPullsQueryDto {
  /** At most this many pulls, the latest first (default 20). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
