import { Controller, Delete, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ok,
  type WorkPlusEnvelope,
  type WorkPlusListAllResult,
  type WorkPlusOrgNode,
  type WorkPlusOrgTreeNode,
  type WorkPlusPageOrgsResult,
  type WorkPlusViewResult,
} from '#app/workplus';
import { DirectoryService } from './directory.service.js';
import { NodeQueryDto, PageOrgsQueryDto, ViewQueryDto } from './queries.dto.js';
import { AccessTokenGuard } from './token.guard.js';

/**
 * The organisation calls (docs/api/organizations/org.md). Registered after the employee
 * controller, so that `/{code}/employees` is not taken for a node id.
 */
@ApiTags('organizations')
@ApiQuery({ name: 'access_token', required: true, type: String })
@UseGuards(AccessTokenGuard)
@Controller('v1/admin/organizations/:code')
export class OrganizationsController {
  constructor(private readonly directory: DirectoryService) {}

  @Get()
  @ApiOperation({ summary: 'The organisation (root node)' })
  root(): WorkPlusEnvelope<WorkPlusOrgNode> {
    return ok(this.directory.rootNode());
  }

  @Get('tree')
  @ApiOperation({ summary: 'The node tree (nested, no employees) from org_id or the root' })
  tree(@Query() query: NodeQueryDto): WorkPlusEnvelope<WorkPlusOrgTreeNode> {
    return ok(this.directory.tree(query.org_id));
  }

  @Get('list-all')
  @ApiOperation({ summary: 'Every node of the subtree of org_id (or the root), flat, in pre-order' })
  listAll(@Query() query: NodeQueryDto): WorkPlusEnvelope<WorkPlusListAllResult> {
    return ok(this.directory.listAll(query.org_id));
  }

  @Get('page-orgs')
  @ApiOperation({ summary: 'One page of nodes in pre-order: {total_count, records}' })
  pageOrgs(@Query() query: PageOrgsQueryDto): WorkPlusEnvelope<WorkPlusPageOrgsResult> {
    return ok(this.directory.pageOrgs(query));
  }

  @Get('view')
  @ApiOperation({ summary: 'A node with one page of its direct employees and one page of its children; totals in employee_count / children_count' })
  view(@Query() query: ViewQueryDto): WorkPlusEnvelope<WorkPlusViewResult> {
    return ok(this.directory.view(query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One node (208502 when unknown)' })
  node(@Param('id') id: string): WorkPlusEnvelope<WorkPlusOrgNode> {
    return ok(this.directory.node(id));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a node and its subtree (208507 while anyone holds a position in it)' })
  remove(@Param('id') id: string): WorkPlusEnvelope<Record<string, never>> {
    return ok(this.directory.deleteNode(id));
  }
}
