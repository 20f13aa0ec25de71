import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, ParseIntPipe, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApplyFaultDto, CreateUserDto, EditUserDto, ListPullsQueryDto, ListUsersQueryDto } from './admin.dto.js';
import { AdminGuard } from './admin.guard.js';
import { AdminService, type UserView } from './admin.service.js';
import type { OmGroup, PullRecord } from './model.js';
import type { OmflowEmulatorOptions } from './options.js';
import { PullerService, type ApplyFault } from './puller.service.js';
import { ApplyFaultViewDto, GroupViewDto, PausedDto, PullDto, StateDto, UserViewDto } from './responses.dto.js';
import { OmflowStore } from './store.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

/** The emulator's own control surface (not part of OMFLOW): its state, pulls, hand edits and simulated failures. */
@ApiTags('emulator')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('_omflow')
export class AdminController {
  constructor(
    private readonly store: OmflowStore,
    private readonly puller: PullerService,
    private readonly admin: AdminService,
    @Inject(OMFLOW_EMULATOR_OPTIONS) private readonly options: OmflowEmulatorOptions,
  ) {}

  @Get('state')
  @ApiOperation({ summary: 'Counts, the pull schedule, the pending fault and the last pull' })
  @ApiOkResponse({ type: StateDto })
  state(): Record<string, unknown> {
    let live = 0;
    let deleted = 0;
    for (const u of this.store.state.users.values()) {
      if (u.delete) deleted++;
      else live++;
    }
    return {
      hr_url: this.options.hrUrl,
      pull_seconds: this.options.pullSeconds,
      paused: this.puller.isPaused,
      pulling: this.puller.isRunning,
      delete_mode: this.options.deleteMode,
      users: live,
      deleted_users: deleted,
      groups: this.store.state.groups.size,
      fault: this.puller.currentFault(),
      last_pull: this.store.pulls(1)[0] ?? null,
    };
  }

  @Get('users')
  @ApiOperation({ summary: 'Users (live by default; ?state=deleted|all), with their departments' })
  @ApiOkResponse({ type: [UserViewDto] })
  users(@Query() query: ListUsersQueryDto): UserView[] {
    const state = query.state ?? 'live';
    return [...this.store.state.users.values()]
      .filter((u) => state === 'all' || u.delete === (state === 'deleted'))
      .sort((a, b) => a.id - b.id)
      .map((u) => this.admin.view(u));
  }

  @Get('users/:username')
  @ApiOperation({ summary: 'One user, by username (or id)' })
  @ApiOkResponse({ type: UserViewDto })
  user(@Param('username') username: string): UserView {
    return this.admin.view(this.admin.find(username));
  }

  @Post('users')
  @ApiOperation({ summary: 'Create a user by hand, as an OMFLOW administrator would (not from Custom HR)' })
  @ApiCreatedResponse({ type: UserViewDto })
  createUser(@Body() body: CreateUserDto): UserView {
    return this.admin.create(body);
  }

  @Patch('users/:username')
  @ApiOperation({ summary: "Edit a user by hand (any field), under OMFLOW's column limits and unique keys" })
  @ApiOkResponse({ type: UserViewDto })
  editUser(@Param('username') username: string, @Body() body: EditUserDto): UserView {
    return this.admin.edit(username, body);
  }

  @Delete('users/:username')
  @ApiOperation({ summary: "Delete a user by hand, as OMFLOW's deleteUserAjax does (renamed <username>-<unixtime>, delete: true)" })
  @ApiOkResponse({ type: UserViewDto })
  deleteUser(@Param('username') username: string): UserView {
    return this.admin.remove(username);
  }

  @Get('groups')
  @ApiOperation({ summary: 'Departments, with their parent code and member usernames' })
  @ApiOkResponse({ type: [GroupViewDto] })
  groups(): (OmGroup & { parent_group_no: string | null; members: string[] })[] {
    const s = this.store.state;
    return [...s.groups.values()]
      .sort((a, b) => a.id - b.id)
      .map((g) => ({
        ...g,
        parent_group_no: g.parent_group_id === null ? null : (s.groups.get(g.parent_group_id)?.group_no ?? null),
        members: [...(s.members.get(g.id) ?? [])].map((id) => s.users.get(id)?.username ?? String(id)).sort(),
      }));
  }

  @Post('pulls')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pull /sync now and apply it (joins a pull in progress); answers the pull, also while scheduled pulls are paused' })
  @ApiOkResponse({ type: PullDto })
  pull(): Promise<PullRecord> {
    return this.puller.pull('manual');
  }

  @Get('pulls')
  @ApiOperation({ summary: 'Pulls, the latest first: outcome, counts, changed keys, failed records with reasons' })
  @ApiOkResponse({ type: [PullDto] })
  pulls(@Query() query: ListPullsQueryDto): PullRecord[] {
    return this.store.pulls(query.limit ?? 20);
  }

  @Get('pulls/:id')
  @ApiOperation({ summary: 'One pull' })
  @ApiOkResponse({ type: PullDto })
  pullById(@Param('id', ParseIntPipe) id: number): PullRecord {
    const pull = this.store.pull(id);
    if (!pull) throw new NotFoundException(`No pull ${id}.`);
    return pull;
  }

  @Post('pulls/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop the scheduled pulls (an OMFLOW that stopped synchronising)' })
  @ApiOkResponse({ type: PausedDto })
  pause(): { paused: boolean } {
    this.puller.setPaused(true);
    return { paused: true };
  }

  @Post('pulls/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume the scheduled pulls' })
  @ApiOkResponse({ type: PausedDto })
  resume(): { paused: boolean } {
    this.puller.setPaused(false);
    return { paused: false };
  }

  @Get('faults')
  @ApiOperation({ summary: 'The simulated failure waiting for the next pull' })
  @ApiOkResponse({ type: ApplyFaultViewDto })
  fault(): ApplyFault {
    return this.puller.currentFault();
  }

  @Put('faults')
  @ApiOperation({ summary: 'Make the next pull fail: whole (nothing applied) or for the named users and departments only' })
  @ApiOkResponse({ type: ApplyFaultViewDto })
  setFault(@Body() body: ApplyFaultDto): ApplyFault {
    return this.puller.setFault({ whole: body.whole ?? false, users: body.users ?? [], groups: body.groups ?? [] });
  }

  @Delete('faults')
  @ApiOperation({ summary: 'Clear the simulated failure' })
  @ApiOkResponse({ type: ApplyFaultViewDto })
  clearFault(): ApplyFault {
    return this.puller.setFault({ whole: false, users: [], groups: [] });
  }
}
