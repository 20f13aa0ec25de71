import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/** A node id: WorkPlus documents `org_id` as Long, but node ids on the wire are strings (`/aaa/bbb/`). */
function IsNodeId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNodeId',
      validator: {
        validate: (value: unknown) => (typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isSafeInteger(value)),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a non-empty string or an integer`,
      },
    },
    options,
  );
}

/** A map of strings to strings. */
function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an object of string values`,
      },
    },
    options,
  );
}

/** A tag given by name (`tag_names`); `tags` (ids) win when both are given. */
export class EmployeeTagDto {
  /** The tag group's name. */
  @IsString()
  @IsNotEmpty()
  group: string;

  /** The tag's name. */
  @IsString()
  @IsNotEmpty()
  tag: string;

  /** The tag group's key. */
  @IsOptional()
  @IsString()
  group_property?: string;

  /** The tag's key. */
  @IsOptional()
  @IsString()
  tag_property?: string;
}

/** A position of the employee: the node by `org_id` or by `org_path` (one of them is required). */
export class EmployeePositionDto {
  /** The node id. Required unless `org_path` is given. */
  @ValidateIf((o: EmployeePositionDto) => o.org_path === undefined || o.org_path === null || o.org_id !== undefined)
  @IsDefined({ message: 'a position needs org_id or org_path' })
  @IsNodeId()
  org_id?: string | number;

  /**
   * The node's path made of NAMES, e.g. `/Acme/Engineering/` (with or without the root's name,
   * with or without the outer slashes). Required unless `org_id` is given.
   */
  @ValidateIf((o: EmployeePositionDto) => o.org_id === undefined || o.org_id === null || o.org_path !== undefined)
  @IsDefined({ message: 'a position needs org_id or org_path' })
  @IsString()
  @IsNotEmpty()
  org_path?: string;

  /** The job title. */
  @IsOptional()
  @IsString()
  job_title?: string;

  /** The job title as the import example of the contract spells it (`jobTitle`); `job_title` wins. */
  @IsOptional()
  @IsString()
  jobTitle?: string;

  /** Whether this is the main position (the first position is primary when none is). */
  @IsOptional()
  @IsBoolean()
  primary?: boolean;

  /** Whether the employee heads the node. */
  @IsOptional()
  @IsBoolean()
  chief?: boolean;

  /** The position group. */
  @IsOptional()
  @IsString()
  source_type?: string;
}

/** An extension-field value of the employee. */
export class EmployeePropertyDto {
  /** The extension field's id (`data_schemas[].id`). */
  @IsDefined()
  @IsInt()
  data_schema_id: number;

  /** The values. */
  @IsDefined()
  @IsArray()
  @IsString({ each: true })
  values: string[];
}

/** The fields shared by create and update (the contract's field tables). */
export class EmployeeFieldsDto {
  /** The employee's name. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  name: string;

  /** The English name. */
  @IsOptional()
  @IsString()
  en_name?: string;

  /** Mobile phone number. */
  @IsOptional()
  @IsString()
  mobile?: string;

  /** E-mail address (not checked for syntax: directories hold what they hold). */
  @IsOptional()
  @IsString()
  email?: string;

  /** Third-party serial number; wins over `serial_no`. */
  @IsOptional()
  @IsString()
  extension_id?: string;

  /** Third-party serial number. */
  @IsOptional()
  @IsString()
  serial_no?: string;

  /** Sort order. */
  @IsOptional()
  @IsInt()
  sort_order?: number;

  /** Whether the employee is a senior executive. */
  @IsOptional()
  @IsBoolean()
  senior?: boolean;

  /** Employee number. */
  @IsOptional()
  @IsString()
  sn?: string;

  /** Province. */
  @IsOptional()
  @IsString()
  province?: string;

  /** City. */
  @IsOptional()
  @IsString()
  city?: string;

  /** Landline number. */
  @IsOptional()
  @IsString()
  tel?: string;

  /** Fax number. */
  @IsOptional()
  @IsString()
  fax?: string;

  /** Work phone. */
  @IsOptional()
  @IsString()
  workPhone?: string;

  /** Other phone. */
  @IsOptional()
  @IsString()
  otherPhone?: string;

  /** Other e-mail address. */
  @IsOptional()
  @IsString()
  otherEmail?: string;

  /** Industry. */
  @IsOptional()
  @IsString()
  industry?: string;

  /** Region. */
  @IsOptional()
  @IsString()
  region?: string;

  /** Label. */
  @IsOptional()
  @IsString()
  label?: string;

  /** Extension field 1. */
  @IsOptional()
  @IsString()
  extended1?: string;

  /** Extension field 2. */
  @IsOptional()
  @IsString()
  extended2?: string;

  /** Extension field 3. */
  @IsOptional()
  @IsString()
  extended3?: string;

  /** Identity card number. */
  @IsOptional()
  @IsString()
  id_card?: string;

  /** Gender: `MALE` / `FEMALE` (any case). */
  @IsOptional()
  @IsString()
  gender?: string;

  /** Birthday, ms since the epoch (13 digits). */
  @IsOptional()
  @IsInt()
  birthday?: number;

  /** Tag ids; win over `tag_names`. */
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  tags?: number[];

  /** Tags by group and name. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EmployeeTagDto)
  tag_names?: EmployeeTagDto[];

  /** Rank id; wins over `employee_rank_name`. */
  @IsOptional()
  @IsInt()
  rank?: number;

  /** Rank name. */
  @IsOptional()
  @IsString()
  employee_rank_name?: string;

  /** The positions: at least one; each names its node by `org_id` or `org_path`. */
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => EmployeePositionDto)
  positions: EmployeePositionDto[];

  /** Extension-field values. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EmployeePropertyDto)
  properties?: EmployeePropertyDto[];
}

/** `POST /v1/admin/organizations/{code}/employees`: a new employee (and user). */
export class CreateEmployeeDto extends EmployeeFieldsDto {
  /** The account name; unique in the organisation. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  username: string;

  /** The authentication source. */
  @IsOptional()
  @IsString()
  source_id?: string;

  /** The user id, when the user already exists. */
  @IsOptional()
  @IsString()
  user_id?: string;

  /** The user's password (only when the user is created). */
  @IsOptional()
  @IsString()
  password?: string;

  /** Third-party authentication code. */
  @IsOptional()
  @IsString()
  source_credentials?: string;

  /** Third-party authentication identifiers. */
  @IsOptional()
  @IsObject()
  @IsStringMap()
  source_identifiers?: Record<string, string>;
}

/** `POST /v1/admin/organizations/{code}/employees/{employeeId}`: replaces the employee's fields and positions. */
export class UpdateEmployeeDto extends EmployeeFieldsDto {}

/** The operation of an import row: `REMOVE` deletes; anything else (or nothing) creates or updates. */
export const IMPORT_OPS = ['REMOVE', 'ADD', 'UPDATE'] as const;

/**
 * One row of `POST /v1/admin/organizations/{code}/import-employees` (the body is an array of
 * them): the create fields plus `ops`. A `REMOVE` row needs only `username`.
 */
export class ImportEmployeeDto extends CreateEmployeeDto {
  /** `REMOVE` deletes the employee named by `username`; absent (or `ADD`/`UPDATE`) creates or updates by username. */
  @IsOptional()
  @IsString()
  @IsIn(IMPORT_OPS)
  ops?: (typeof IMPORT_OPS)[number];

  /** Not required for a `REMOVE` row. */
  @ValidateIf((o: ImportEmployeeDto) => o.ops !== 'REMOVE' || o.name !== undefined)
  declare name: string;

  /** Not required for a `REMOVE` row. */
  @ValidateIf((o: ImportEmployeeDto) => o.ops !== 'REMOVE' || o.positions !== undefined)
  declare positions: EmployeePositionDto[];
}
