import { ApiHideProperty, ApiProperty } from '@nestjs/swagger';
import { IsBooleanString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * Query of `GET /v1/admin/organizations/{code}/employees` (seeds/002 "雇员列表"): the table's
 * parameters and those of its examples (`org_id`, `recursion`). The one definition of the call's
 * query, validated alike by the bridge's proxy (which refuses unknown parameters) and the
 * emulator (which drops them). The lengths are the proxy's bounds on what it forwards; a URL
 * that long is beyond what a real directory's web server takes anyway.
 */
export class ListEmployeesQueryDto {
  /** 访问 token. Each surface documents it on its controller (the proxy: a bridge client secret; the directory: its application token). */
  @ApiHideProperty()
  @IsOptional()
  @IsString()
  access_token?: string;

  /** 域信息 (domain; forwarded as given). */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  domain_id?: string;

  /** 默认值为"id",为"username"时,query为用户名查询. */
  @ApiProperty({ required: false, enum: ['id', 'username'], example: 'username' })
  @IsOptional()
  @IsIn(['id', 'username'])
  type?: 'id' | 'username';

  /** 查询条件: with `matching=true`, comma-separated ids or usernames; otherwise a fuzzy match. */
  @ApiProperty({ required: false, example: 'username1,username2,username3' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  query?: string;

  /** 组织路径 (node ids: `/111/222/333`): only employees below that node matching `query`. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  path?: string;

  /** 为true时, 根据type类型不同, 按,隔开查雇员列表; 为false时, 模糊查询该机构下的雇员信息. */
  @ApiProperty({ required: false, enum: ['true', 'false'] })
  @IsOptional()
  @IsBooleanString()
  matching?: string;

  /** 指定组织节点: only employees holding a position in this node. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  org_id?: string;

  /** With `org_id`: also the employees of every node below it. */
  @ApiProperty({ required: false, enum: ['true', 'false'] })
  @IsOptional()
  @IsBooleanString()
  recursion?: string;
}
