import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type BridgeConfig, loadBridgeConfig } from './bridge-config.js';

/** Injection token of the validated configuration; inject with `@Inject(BRIDGE_CONFIG)`. */
export const BRIDGE_CONFIG = Symbol('BRIDGE_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** Provides an already validated configuration (tests pass their own). */
  static forRoot(config: BridgeConfig = loadBridgeConfig()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: BRIDGE_CONFIG, useValue: config }],
      exports: [BRIDGE_CONFIG],
    };
  }
}
