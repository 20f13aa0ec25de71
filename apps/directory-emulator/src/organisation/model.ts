import type { OrgNodeType, WorkPlusPropertyValue } from '#app/workplus';

/** One node of the emulated organisation (what is stored; paths and counts are derived). */
export interface NodeData {
  id: string;
  name: string;
  enName?: string;
  type: OrgNodeType;
  /** Null for the root. */
  parentId: string | null;
  sortOrder: number;
  sn?: string;
  created: number;
  lastModified: number;
}

export interface PositionData {
  id: string;
  orgId: string;
  jobTitle: string;
  primary: boolean;
  chief: boolean;
}

/** One employee as stored. */
export interface EmployeeData {
  id: string;
  userId: string;
  username: string;
  name: string;
  displayName: string;
  pinyin: string;
  initial: string;
  /** `MALE`, `FEMALE` or empty. */
  gender: string;
  email: string;
  mobile: string;
  sn: string;
  nickname: string;
  sortOrder: number;
  senior: boolean;
  locked: boolean;
  /** `ACTIVATED` or `INITIALIZED`. */
  status: string;
  rank: number;
  tags: number[];
  tagNames: string[];
  properties: WorkPlusPropertyValue[];
  positions: PositionData[];
  created: number;
  lastModified: number;
  idCard: string;
  /** Other fields given on create/update (en_name, tel, workPhone, ...), kept as given. */
  extra: Record<string, unknown>;
}

/** A whole organisation: nodes in pre-order (the root first, parents before children), then employees. */
export interface OrganisationData {
  name: string;
  nodes: NodeData[];
  employees: EmployeeData[];
}
