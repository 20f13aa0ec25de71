import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminController } from './admin.controller.js';
import { AdminGuard } from './admin.guard.js';
import { AdminService } from './admin.service.js';
import { CustomHrClient } from './custom-hr.client.js';
import { ErrorsFilter } from './errors.filter.js';
import { LoginService } from './login.service.js';
import { OmflowController } from './omflow.controller.js';
import type { OmflowEmulatorOptions } from './options.js';
import { PullerService } from './puller.service.js';
import { QueryService } from './query.service.js';
import { OmflowStore } from './store.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

@Module({})
export class OmflowEmulatorModule {
  static forRoot(options: OmflowEmulatorOptions): DynamicModule {
    return {
      module: OmflowEmulatorModule,
      controllers: [OmflowController, AdminController],
      providers: [
        { provide: OMFLOW_EMULATOR_OPTIONS, useValue: options },
        { provide: OmflowStore, useFactory: () => new OmflowStore(options.db) },
        { provide: APP_FILTER, useClass: ErrorsFilter },
        { provide: APP_PIPE, useFactory: () => new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }) },
        CustomHrClient,
        PullerService,
        QueryService,
        LoginService,
        AdminService,
        AdminGuard,
      ],
    };
  }
}
