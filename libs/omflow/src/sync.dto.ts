import { ApiProperty } from '@nestjs/swagger';

export class OmflowUserInfoDto {
  /** Account (unique, compared case-insensitively). */
  @ApiProperty({ example: 'zhang.wei' })
  username: string;
  /** Email (unique, valid). */
  @ApiProperty({ example: 'zhang.wei@example.com' })
  email: string;
  @ApiProperty({ example: '张伟' })
  nick_name: string;
  /** Employee number. */
  @ApiProperty({ example: 'IMPL00001' })
  ad_no: string;
  company: string;
  /** Phone. */
  phone1: string;
  /** Mobile phone. */
  phone2: string;
  extension_no: string;
  @ApiProperty({ enum: ['male', 'female', ''] })
  gender: string;
}

export class OmflowGroupInfoDto {
  @ApiProperty({ example: '研发中心' })
  display_name: string;
  /** Department code (unique). */
  group_no: string;
  /** Parent department code; "" for a top-level department. */
  parent_group_no: string;
  /** Usernames of the department's members. */
  user_list: string[];
}

/** The `/sync` answer of the OMFLOW Custom HR contract. */
export class OmflowSyncSuccessDto {
  @ApiProperty({ enum: ['success'] })
  status: 'success';
  user_info_list: OmflowUserInfoDto[];
  group_info_list: OmflowGroupInfoDto[];
}

/** OMFLOW's failure answer (HTTP 200, as OMFLOW reads the body). */
export class OmflowFailDto {
  @ApiProperty({ enum: ['fail'] })
  status: 'fail';
  @ApiProperty({ example: 'No snapshot has been published yet.' })
  message: string;
}
