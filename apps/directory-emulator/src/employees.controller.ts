import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  CreateEmployeeDto,
  ImportEmployeeDto,
  ListEmployeesQueryDto,
  ok,
  UpdateEmployeeDto,
  type WorkPlusEmployee,
  type WorkPlusEmployeeRecord,
  type WorkPlusEnvelope,
  type WorkPlusImportResult,
} from '#app/workplus';
import { DirectoryService } from './directory.service.js';
import { AccessTokenGuard } from './token.guard.js';

/** The employee calls of the contract (seeds/002). Every call needs `?access_token=`. */
@ApiTags('employees')
@ApiQuery({ name: 'access_token', required: true, type: String, description: "The application's access token." })
@UseGuards(AccessTokenGuard)
@Controller('v1/admin/organizations/:code')
export class EmployeesController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('employees')
  @ApiOperation({ summary: 'List employees (no paging): by ids/usernames (matching=true), fuzzy query, org_id (+recursion) or path' })
  list(@Query() query: ListEmployeesQueryDto): WorkPlusEnvelope<WorkPlusEmployee[]> {
    return ok(this.directory.list(query));
  }

  @Post('employees')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an employee (202011 when the username or user_id exists, 208502 for an unknown node)' })
  create(@Body() body: CreateEmployeeDto): WorkPlusEnvelope<WorkPlusEmployeeRecord> {
    return ok(this.directory.create(body));
  }

  @Post('import-employees')
  @HttpCode(200)
  @ApiBody({ type: [ImportEmployeeDto] })
  @ApiOperation({ summary: 'Import employees: create or update by username, or delete with ops=REMOVE; per-row successes/failures' })
  import(@Body() body: unknown): WorkPlusEnvelope<WorkPlusImportResult> {
    return ok(this.directory.import(body), 'Everything is ok.');
  }

  @Get('employees/:employeeId')
  @ApiOperation({ summary: 'Get one employee (202012 when unknown)' })
  get(@Param('employeeId') id: string): WorkPlusEnvelope<WorkPlusEmployeeRecord> {
    return ok(this.directory.get(id));
  }

  @Post('employees/:employeeId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Update an employee: replaces its fields and positions (username and ids stay)' })
  update(@Param('employeeId') id: string, @Body() body: UpdateEmployeeDto): WorkPlusEnvelope<WorkPlusEmployeeRecord> {
    return ok(this.directory.update(id, body));
  }

  @Post('employees/:employeeId/:operation')
  @HttpCode(200)
  @ApiOperation({ summary: 'disable|lock (leave) or enable|unlock (return); anything else is 202013' })
  operate(@Param('employeeId') id: string, @Param('operation') operation: string): WorkPlusEnvelope<Record<string, never>> {
    return ok(this.directory.operate(id, operation));
  }

  @Delete('employees/:employeeId')
  @ApiOperation({ summary: 'Delete an employee (202012 when unknown)' })
  remove(@Param('employeeId') id: string): WorkPlusEnvelope<Record<string, never>> {
    return ok(this.directory.remove(id));
  }
}
