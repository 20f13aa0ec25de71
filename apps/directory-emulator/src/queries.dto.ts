import { IsBooleanString, IsInt, IsNumberString, IsOptional, IsString, Max, Min } from 'class-validator';

/** The parameters every read of an organisation takes. */
class ReadQueryDto {
  /** The application's access token. */
  @IsOptional()
  @IsString()
  access_token?: string;

  /** The domain (documented as a parameter, not checked). */
  @IsOptional()
  @IsString()
  domain_id?: string;
}

/** Query of `/tree` and `/list-all`. */
export class NodeQueryDto extends ReadQueryDto {
  /** The node to start from; the root when absent. */
  @IsOptional()
  @IsString()
  org_id?: string;
}

/** Query of `/page-orgs`. */
export class PageOrgsQueryDto extends ReadQueryDto {
  /** Only nodes whose name contains this. */
  @IsOptional()
  @IsString()
  kw?: string;

  /** Only nodes modified at or after this time (ms since the epoch), for incremental reads. */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  refresh_time?: string;

  /** Rows to skip (default 0). */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  skip?: string;

  /** Rows to return (default: all the rest). */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  limit?: string;
}

/** Query of `/view`. */
export class ViewQueryDto extends ReadQueryDto {
  /** The node to view; the root when absent. */
  @IsOptional()
  @IsString()
  org_id?: string;

  /** Direct employees to skip (default 0). */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  employee_skip?: string;

  /** Direct employees to return (default: all the rest). */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  employee_limit?: string;

  /** Child nodes to skip (default 0). */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  org_skip?: string;

  /** Child nodes to return (default: all the rest). */
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  org_limit?: string;

  /** `false`: skip counting the subtree (`all_employee_count` is 0). Default `true`. */
  @IsOptional()
  @IsBooleanString()
  counting?: string;
}

/** `POST /_emulator/mutations`: how many people to change, drawn deterministically. */
export class MutationsDto {
  /** New employees, each in a random department. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  hire?: number;

  /** Employees whose primary position moves to another department. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  move?: number;

  /** Employees who get a new username (same user_id and employee id). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  rename?: number;

  /** Employees who leave (become locked). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  resign?: number;

  /** The seed of this batch; default: the emulator's seed and the batch number. */
  @IsOptional()
  @IsInt()
  @Min(0)
  seed?: number;
}
