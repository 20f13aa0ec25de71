import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { buildDataSourceOptions } from './data-source-options.js';
import { InstanceIdentity } from './instance-identity.js';
import { runMigrationsLocked } from './migrate.js';
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
        // Applied by the factory below, under a lock on MySQL (instances starting at once take turns).
        migrationsRun: config.database.migrationsRun,
        // Fail fast at start-up instead of retrying for minutes with a wrong URL.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource({ ...options!, migrationsRun: false }).initialize();
        try {
          if (options!.migrationsRun) await runMigrationsLocked(dataSource);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [TransactionRunner, InstanceIdentity],
  exports: [TransactionRunner, InstanceIdentity],
})
export class DatabaseModule {}
