/**
 * The WorkPlus wire shapes, as the employee-directory contract (seeds/002) and the public docs
 * (open.workplus.io `docs/api/organizations/*.md`, `docs/api/getStart.md`) show them. Field names
 * are the wire's (snake_case). Where a field is marked "emulator", WorkPlus does not document it;
 * a reader must not depend on it against the real directory.
 */

/** `CORP` (a company or the root) or `DEPT`; `root_org_info` and `directly_corp` use `O` for an organisation. */
export type OrgNodeType = 'CORP' | 'DEPT';

/** A node as the employee's `positions[].display_nodes`, `root_org_info` and `directly_corp` show it. */
export interface WorkPlusDisplayNode {
  id: string;
  name: string;
  /** `CORP`, `DEPT`, or `O` (root organisation, in `root_org_info` / `directly_corp`). */
  type: string;
  /** Made of node ids: `/aaa/bbb/`. */
  path: string;
  display: boolean;
}

/** One position of an employee in the list/view answers. */
export interface WorkPlusPosition {
  /** The position id. */
  id: string;
  domain_id: string;
  /** The organisation code. */
  code: string;
  employee_id: string;
  /** The node the position is held in. */
  org_id: string;
  /** The node's path, made of node ids: `/aaa/abc/`. */
  path: string;
  /** The node's type. */
  type: string;
  job_title: string;
  /** The node's level (root = 1). */
  level: number;
  primary: boolean;
  chief: boolean;
  /** Every node from the root down to the position's node. */
  display_nodes: WorkPlusDisplayNode[];
  /** The same path made of node names: `/Acme/Engineering/`. */
  full_name_path: string;
  org_name: string;
}

/** An extension-field schema of the organisation (`data_schemas`). */
export interface WorkPlusDataSchema {
  domain_id: string;
  org_code: string;
  id: string;
  property: string;
  type: string;
  name: string;
  alias: string;
  en_alias: string;
  tw_alias: string;
  options: unknown[];
  min: number;
  max: number;
  visible_range: string;
  ops_range: string;
  opsable: boolean;
  privacy: boolean;
  sort_order: number;
}

/** An employee's extension-field value. */
export interface WorkPlusPropertyValue {
  data_schema_id: number;
  values: string[];
}

/** An employee as the list call (`GET .../employees`) and `/view` return it. */
export interface WorkPlusEmployee {
  /** The employee id (per organisation). */
  id: string;
  /** Always `EMPLOYEE`. */
  type: 'EMPLOYEE';
  domain_id: string;
  org_code: string;
  display_name: string;
  name: string;
  pinyin: string;
  initial: string;
  /** `MALE` or `FEMALE` (may be empty). */
  gender: string;
  email: string;
  /** Shown by `/view`; may be absent. */
  mobile?: string;
  /** Shown by `/view`; a media id; may be absent. */
  avatar?: string;
  /** `ACTIVATED` once the user has signed in, else e.g. `INITIALIZED`. */
  status: string;
  /** The employee number. */
  sn: string;
  /** The stable user id; the same person keeps it when the username changes. */
  user_id: string;
  /** The account name. */
  username: string;
  nickname: string;
  sort_order: number;
  senior: boolean;
  /** True when the employee has left (resigned / disabled). */
  locked: boolean;
  employee_rank: number;
  tags: number[];
  tag_names: string[];
  positions: WorkPlusPosition[];
  data_schemas: WorkPlusDataSchema[];
  properties: WorkPlusPropertyValue[];
  /** ms since the epoch. */
  created: number;
  /** ms since the epoch. */
  last_modified: number;
  root_org_info: WorkPlusDisplayNode;
  platforms: unknown[];
}

/** `{domain_id, code, id}`: the composite id of an employee or a position. */
export interface WorkPlusCompositeId {
  domain_id: string;
  code: string;
  id: string;
}

/** The user behind an employee, in the single-employee answers. */
export interface WorkPlusUser {
  id: string;
  username: string;
  name: string;
  id_card: string;
  /** Lower case: `male` / `female`. */
  gender: string;
  status: string;
}

/** A position in the single-employee answers (no display nodes). */
export interface WorkPlusRecordPosition {
  position_id: WorkPlusCompositeId;
  employee_id: string;
  org_id: string;
  path: string;
  type: string;
  job_title: string;
  primary: boolean;
  chief: boolean;
}

/** The `result` of get, create and update employee (`.../employees/{id}`). */
export interface WorkPlusEmployeeRecord {
  employee_id: WorkPlusCompositeId;
  name: string;
  pinyin: string;
  initial: string;
  sn: string;
  email: string;
  sort_order: number;
  senior: boolean;
  user: WorkPlusUser;
  extension_profiles: Record<string, unknown>;
  positions: WorkPlusRecordPosition[];
  properties: WorkPlusPropertyValue[];
  rank: number;
  tags: number[];
  disabled: boolean;
  deleted: boolean;
  create_time: number;
  modify_time: number;
}

/** The `result` of `POST .../import-employees`: username → employee id, username → error message. */
export interface WorkPlusImportResult {
  successes: Record<string, string>;
  failures: Record<string, string>;
}

/**
 * An organisation node as the root call, `/{id}`, `/list-all`, `/page-orgs` and `/view` return it.
 * Counts are of employees holding a position there; a person with two positions in a subtree
 * counts once in `all_employee_count`.
 */
export interface WorkPlusOrgNode {
  id: string;
  domain_id: string;
  org_code: string;
  /** Absent on the root. */
  parent_org_id?: string;
  type: OrgNodeType;
  /** Made of node ids, from the root: `/aaa/bbb/`. */
  path: string;
  name: string;
  en_name?: string;
  tw_name?: string;
  logo?: string;
  sort_order: number;
  /** Root = 1. */
  level: number;
  /** Equals `id`. */
  uuid: string;
  /** The node number. */
  sn?: string;
  owner_id: string;
  owner: string;
  owner_name: string;
  created: number;
  last_modified: number;
  disabled: boolean;
  /** Employees holding a position in this node itself: the total `/view` pages employees against. */
  employee_count: number;
  /** Distinct employees in this node and everything below it. */
  all_employee_count: number;
  /** Emulator: the number of direct child nodes, the total `/view` pages `children` against. */
  children_count: number;
  /** Made of names, from the root: `/Acme/Engineering/`. */
  full_name_path: string;
  /** Absent on the root. */
  parent_org_name?: string;
  /** The nearest CORP above (or the node itself when it is a CORP), as `/view` shows it. */
  directly_corp?: WorkPlusDisplayNode;
  /** Filled only by `/view` (one page of the node's direct employees); empty elsewhere. */
  employees: WorkPlusEmployee[];
  /** Filled by `/view` (one page of direct children, without their employees); empty elsewhere. */
  children: WorkPlusOrgNode[];
}

/** A node of `/tree`: the node's fields and its whole subtree in `children`, no employees. */
export type WorkPlusOrgTreeNode = Omit<WorkPlusOrgNode, 'employees' | 'children'> & { children: WorkPlusOrgTreeNode[] };

/** `GET .../page-orgs?skip&limit&kw&refresh_time`: one page of every node, in pre-order (parents first). */
export interface WorkPlusPageOrgsResult {
  /** All nodes matching the filters, whatever the page. */
  total_count: number;
  records: WorkPlusOrgNode[];
}

/**
 * `GET .../view?org_id&employee_skip&employee_limit&org_skip&org_limit`: an array of one node
 * (the one asked, or the root), whose `employees` and `children` are the requested pages; the
 * totals to page against are `employee_count` and `children_count`.
 */
export type WorkPlusViewResult = [WorkPlusOrgNode];

/** `GET .../list-all?org_id`: every node of the subtree, flat, in pre-order. */
export type WorkPlusListAllResult = WorkPlusOrgNode[];

/** The body of `POST /v1/token`, see `TokenRequestDto`. */
export interface WorkPlusTokenRequest {
  grant_type: 'client_credentials';
  scope: string;
  domain_id: string;
  org_id?: string;
  owner_id?: string;
  client_id: string;
  client_secret: string;
}

/** The `result` of `POST /v1/token` (times in ms since the epoch). */
export interface WorkPlusTokenResult {
  access_token: string;
  /** Reserved; equal to `access_token`, as the docs say. */
  refresh_token: string;
  issued_time: number;
  expire_time: number;
  client_id: string;
}

/**
 * The export/organisation-file shape: the list envelope (`result` = every employee) plus,
 * optionally, `tree`: every node flat in pre-order (so departments without employees survive).
 */
export interface WorkPlusOrganisationFile {
  status: number;
  message: string;
  result: WorkPlusEmployee[];
  tree?: WorkPlusOrgNode[];
}
