import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access.guard.js';
import { AccessService } from './access.service.js';
import { ApiClient } from './api-client.entity.js';
import { ConsoleSessionController } from './console-session.controller.js';
import { ConsoleSession } from './console-session.entity.js';
import { ConsoleSessionService } from './console-session.service.js';
import { ClientsController, WhoAmIController } from './clients.controller.js';
import { ADMIN_TOKEN_SINK, type AdminTokenSink, ClientProvisioning, stdoutSink } from './provisioning.js';
import { BasicStrategy, BearerStrategy } from './strategies.js';

@Module({})
export class AccessModule {
  /** `adminTokenSink` receives the generated first admin token (stdout by default). */
  static forRoot(options: { adminTokenSink?: AdminTokenSink } = {}): DynamicModule {
    return {
      module: AccessModule,
      global: true,
      imports: [PassportModule, TypeOrmModule.forFeature([ApiClient, ConsoleSession])],
      controllers: [ClientsController, WhoAmIController, ConsoleSessionController],
      providers: [
        AccessService,
        ConsoleSessionService,
        BasicStrategy,
        BearerStrategy,
        ClientProvisioning,
        { provide: ADMIN_TOKEN_SINK, useValue: options.adminTokenSink ?? stdoutSink },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [AccessService],
    };
  }
}
