import { All, applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Post, Query, type Type, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExcludeEndpoint,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AppError, BEARER_SECURITY, CurrentPrincipal, ErrorCode, ExternalAuth, type Principal } from '#app/common';
import {
  CreateEmployeeDto,
  ImportEmployeeDto,
  ListEmployeesQueryDto,
  UpdateEmployeeDto,
  WorkPlusCode,
  WorkPlusError,
  type WorkPlusEnvelope,
} from '#app/workplus';
import { DirectoryProxyService, EMPLOYEE_OPERATIONS, type EmployeeOperation } from './directory-proxy.service.js';
import { ProxyAccessGuard } from './proxy-access.guard.js';
import { ProxyEnvelopeFilter } from './proxy-envelope.filter.js';
import {
  CREATE_EXAMPLE,
  EmployeeAnswerDto,
  EmployeeChangedAnswerDto,
  EmployeeImportAnswerDto,
  EmployeeListAnswerDto,
  EMPTY_RESULT_EXAMPLE,
  ERROR_EXAMPLES,
  IMPORT_EXAMPLE,
  IMPORT_RESULT_EXAMPLE,
  LIST_EXAMPLE,
  RECORD_EXAMPLE,
  UPDATE_EXAMPLE,
  UPSTREAM_CODES,
  WorkPlusEnvelopeDto,
  WorkPlusOkEnvelopeDto,
} from './proxy.dto.js';

type Envelope = WorkPlusEnvelope<unknown>;

/**
 * The answers of a call: HTTP 200 with its success envelope or the directory's refusal (passed
 * through), and the bridge's errors; 413 only where the body is read (every method but GET).
 */
function ProxyCall(summary: string, ok: { description: string; example: unknown; type: Type<WorkPlusOkEnvelopeDto>; readsBody: boolean }): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary, description: UPSTREAM_CODES }),
    ApiOkResponse({
      description: `${ok.description} ${UPSTREAM_CODES}`,
      schema: { oneOf: [{ $ref: getSchemaPath(ok.type) }, { $ref: getSchemaPath(WorkPlusEnvelopeDto) }] },
      example: ok.example,
    }),
    ...Object.entries(ERROR_EXAMPLES)
      .filter(([status]) => ok.readsBody || status !== '413')
      .map(([status, e]) => ApiResponse({ status: Number(status), description: e.description, type: WorkPlusEnvelopeDto, example: e.example })),
  );
}

/**
 * The WorkPlus employee API (seeds/002), served by the bridge in front of the directory. Callers
 * pass their own bridge client secret as `?access_token=` (or `Authorization: Bearer`); the
 * directory is called with the bridge's shared token, which never leaves the bridge.
 */
@ApiTags('Directory proxy: employees (WorkPlus)')
@ApiExtraModels(WorkPlusEnvelopeDto, EmployeeListAnswerDto, EmployeeAnswerDto, EmployeeImportAnswerDto, EmployeeChangedAnswerDto)
@ApiBearerAuth(BEARER_SECURITY)
@ApiQuery({
  name: 'access_token',
  required: true,
  type: String,
  description: '访问token: a bridge client secret with `directory:read` (GET) or `directory:write` (changes).',
})
@ApiParam({ name: 'code', description: '组织标识 (the organisation code; the bridge serves DIRECTORY_ORG_CODE)', example: 'omflow-demo' })
@Controller('v1/admin/organizations/:code')
@ExternalAuth()
@UseGuards(ProxyAccessGuard)
@UseFilters(ProxyEnvelopeFilter)
export class EmployeesProxyController {
  constructor(private readonly proxy: DirectoryProxyService) {}

  @Get('employees')
  @ProxyCall('雇员列表: list employees (by ids or usernames with matching=true, fuzzy query, org_id + recursion, or path)', {
    description: "The directory's list, unchanged (no paging).",
    example: LIST_EXAMPLE,
    type: EmployeeListAnswerDto,
    readsBody: false,
  })
  list(@Param('code') code: string, @Query() query: ListEmployeesQueryDto): Promise<Envelope> {
    return this.proxy.list(code, query);
  }

  @Post('employees')
  @HttpCode(200)
  @ApiBody({ type: CreateEmployeeDto, examples: { seed: { summary: '新增雇员', value: CREATE_EXAMPLE } } })
  @ProxyCall("新增雇员: create an employee (validated, audited; a password is also hashed into the bridge's credential store with AUTH_VERIFIER=local)", {
    description: 'The created employee, as the directory answers.',
    example: RECORD_EXAMPLE,
    type: EmployeeAnswerDto,
    readsBody: true,
  })
  create(@Param('code') code: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<Envelope> {
    return this.proxy.create(code, body, principal.clientId);
  }

  @Post('import-employees')
  @HttpCode(200)
  @ApiBody({ type: [ImportEmployeeDto], examples: { seed: { summary: '雇员导入', value: IMPORT_EXAMPLE } } })
  @ProxyCall('雇员导入: create, update (by username) or remove (ops=REMOVE) employees; each row checked by the bridge first', {
    description:
      '`successes` (username → employee id) and `failures` (username, or `#<row>` without one, → reason), the rows the bridge refused among the failures; only valid rows reach the directory.',
    example: IMPORT_RESULT_EXAMPLE,
    type: EmployeeImportAnswerDto,
    readsBody: true,
  })
  import(@Param('code') code: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<Envelope> {
    return this.proxy.import(code, body, principal.clientId);
  }

  @Get('employees/:employeeId')
  @ApiParam({ name: 'employeeId', description: '雇员ID' })
  @ProxyCall('查询雇员信息: get one employee', { description: 'The employee.', example: RECORD_EXAMPLE, type: EmployeeAnswerDto, readsBody: false })
  get(@Param('code') code: string, @Param('employeeId') employeeId: string): Promise<Envelope> {
    return this.proxy.get(code, employeeId);
  }

  @Post('employees/:employeeId')
  @HttpCode(200)
  @ApiParam({ name: 'employeeId', description: '雇员ID' })
  @ApiBody({ type: UpdateEmployeeDto, examples: { seed: { summary: '修改雇员信息', value: UPDATE_EXAMPLE } } })
  @ProxyCall('修改雇员信息: update an employee (replaces its fields and positions; audited with the state before and after)', {
    description: 'The updated employee.',
    example: RECORD_EXAMPLE,
    type: EmployeeAnswerDto,
    readsBody: true,
  })
  update(@Param('code') code: string, @Param('employeeId') employeeId: string, @Body() body: unknown): Promise<Envelope> {
    return this.proxy.update(code, employeeId, body);
  }

  @Post('employees/:employeeId/:operation')
  @HttpCode(200)
  @ApiParam({ name: 'employeeId', description: '雇员ID' })
  @ApiParam({
    name: 'operation',
    enum: EMPLOYEE_OPERATIONS,
    description:
      '雇员离职 disable|lock, 雇员复职 enable|unlock (V3 directories know only lock/unlock and answer 202013 to the others); anything else is 202013',
  })
  @ProxyCall('雇员离职 / 雇员复职: disable|lock or enable|unlock an employee', {
    description: "The directory's answer.",
    example: EMPTY_RESULT_EXAMPLE,
    type: EmployeeChangedAnswerDto,
    readsBody: true,
  })
  operate(@Param('code') code: string, @Param('employeeId') employeeId: string, @Param('operation') operation: string): Promise<Envelope> {
    if (!(EMPLOYEE_OPERATIONS as readonly string[]).includes(operation)) {
      // Only the contract's operations are proxied (and audited); others would be unvalidated writes.
      throw new WorkPlusError(WorkPlusCode.UnsupportedOperation, `unsupported operation: ${operation}.`);
    }
    return this.proxy.operate(code, employeeId, operation as EmployeeOperation);
  }

  @Delete('employees/:employeeId')
  @ApiParam({ name: 'employeeId', description: '雇员ID' })
  @ProxyCall('雇员删除: delete an employee', {
    description: "The directory's answer.",
    example: EMPTY_RESULT_EXAMPLE,
    type: EmployeeChangedAnswerDto,
    readsBody: true,
  })
  remove(@Param('code') code: string, @Param('employeeId') employeeId: string): Promise<Envelope> {
    return this.proxy.remove(code, employeeId);
  }

  /** Anything else under the organisation: a WorkPlus 404 envelope rather than the bridge's JSON error. */
  @All('*')
  @ApiExcludeEndpoint()
  unknown(): never {
    throw new AppError(ErrorCode.RouteNotFound, 'not found.');
  }
}
