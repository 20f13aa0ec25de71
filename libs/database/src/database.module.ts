import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { buildDataSourceOptions } from './data-source-options.js';
import { InstanceIdentity } from './instance-identity.js';
import { TransactionRunner } from './transaction-runner.js';

/** The one DataSource of the bridge (feature modules register their own entities), and who this process is in it. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [BRIDGE_CONFIG],
      useFactory: (config: BridgeConfig) => ({
        ...buildDataSourceOptions(config.database),
        autoLoadEntities: true,
        migrationsRun: config.database.migrationsRun,
        // Fail fast at start-up instead of retrying for minutes with a wrong URL.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [TransactionRunner, InstanceIdentity],
  exports: [TransactionRunner, InstanceIdentity],
})
export class DatabaseModule {}
