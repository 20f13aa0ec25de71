import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { WorkPlusOrganisationFile } from '#app/workplus';
import { DirectoryService, type EmptiedDepartment, type MutationResult } from './directory.service.js';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import { FaultSettingsDto } from './faults.dto.js';
import { FaultsService } from './faults.js';
import type { EmulatorOptions, FaultSettings } from './options.js';
import { exportOrganisation } from './organisation/org-file.js';
import { MutationsDto } from './queries.dto.js';
import { TokenService } from './token.service.js';

/** The emulator's own control surface (not part of WorkPlus): faults, mutations, token expiry, state. No auth. */
@ApiTags('emulator')
@Controller('_emulator')
export class AdminController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly faults: FaultsService,
    private readonly tokens: TokenService,
    @Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions,
  ) {}

  @Get('state')
  @ApiOperation({ summary: 'What the emulator serves: organisation code, counts, faults' })
  state(): Record<string, unknown> {
    const store = this.directory.store;
    let locked = 0;
    for (const e of store.allEmployees()) if (e.locked) locked += 1;
    return {
      org_code: this.options.orgCode,
      domain_id: this.options.domainId,
      client_id: this.options.clientId,
      seed: this.options.seed,
      root_id: store.root,
      employees: store.employeeCount,
      locked,
      nodes: store.nodeCount,
      faults: this.faults.current(),
      faults_fired: { ...this.faults.fired },
      emptied_department: emptiedState(this.directory.emptied()),
    };
  }

  @Get('faults')
  @ApiOperation({ summary: 'The current fault settings' })
  getFaults(): FaultSettings {
    return this.faults.current();
  }

  @Put('faults')
  @ApiOperation({ summary: 'Replace the fault settings (fields left out become 0)' })
  setFaults(@Body() body: FaultSettingsDto): FaultSettings {
    return this.faults.set({ ...body });
  }

  @Delete('faults')
  @ApiOperation({ summary: 'Clear every fault' })
  clearFaults(): FaultSettings {
    return this.faults.set({});
  }

  @Post('token/expire')
  @HttpCode(200)
  @ApiOperation({ summary: 'Expire every live access token now (the next call answers 10011)' })
  expireTokens(): { expired: number } {
    return { expired: this.tokens.expireAll() };
  }

  @Post('mutations')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hire, move, rename (new username, same user_id) and resign (lock) a number of people, deterministically' })
  mutate(@Body() body: MutationsDto): MutationResult {
    return this.directory.mutate(body);
  }

  @Get('export')
  @ApiOperation({ summary: 'The whole organisation in the export shape (list envelope, plus `tree` with tree=true)' })
  export(@Query('tree') tree?: string): WorkPlusOrganisationFile {
    return exportOrganisation(this.directory.store, tree === 'true');
  }
}

/** The department the `empty_department_size` fault empties, as `/_emulator/state` shows it. */
function emptiedState(department: EmptiedDepartment | null): { id: string; name: string; employees: number } | null {
  return department && { id: department.id, name: department.name, employees: department.employeeIds.size };
}
