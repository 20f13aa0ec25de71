import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminController } from './admin.controller.js';
import { DirectoryService } from './directory.service.js';
import { EmployeesController } from './employees.controller.js';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import { EnvelopeExceptionFilter } from './envelope.filter.js';
import { FaultsService } from './faults.js';
import type { EmulatorOptions } from './options.js';
import { OrganizationsController } from './organizations.controller.js';
import { TokenController } from './token.controller.js';
import { AccessTokenGuard } from './token.guard.js';
import { TokenService } from './token.service.js';
import { createEnvelopeValidationPipe } from './validation.js';

@Module({})
export class EmulatorModule {
  static forRoot(options: EmulatorOptions): DynamicModule {
    return {
      module: EmulatorModule,
      // Order matters: the employee routes must be registered before `/:code/:id` of the organisation controller.
      controllers: [TokenController, EmployeesController, OrganizationsController, AdminController],
      providers: [
        { provide: EMULATOR_OPTIONS, useValue: options },
        { provide: APP_FILTER, useClass: EnvelopeExceptionFilter },
        { provide: APP_PIPE, useFactory: createEnvelopeValidationPipe },
        TokenService,
        FaultsService,
        DirectoryService,
        AccessTokenGuard,
      ],
    };
  }
}
