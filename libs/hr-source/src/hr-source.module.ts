import { readFileSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { BRIDGE_CONFIG, ConfigError, type BridgeConfig } from '#app/config';
import { DirectoryClient } from './directory/directory-client.js';
import { DirectorySource } from './directory/directory-source.js';
import { DirectoryTokenStore } from './directory/directory-token.store.js';
import { FileSource } from './file-source.js';
import { HrSource } from './hr-source.js';
import { MappingConfigError, resolveMapping, type MappingConfig } from './mapping.js';

export const MAPPING_CONFIG = Symbol('MAPPING_CONFIG');

function loadMapping(path: string | undefined): ReturnType<typeof resolveMapping> {
  if (!path) return resolveMapping(undefined);
  try {
    return resolveMapping(JSON.parse(readFileSync(path, 'utf8')) as unknown);
  } catch (error) {
    const reason = error instanceof MappingConfigError ? error.message : `is not valid JSON (${(error as Error).message})`;
    throw new ConfigError('MAPPING_FILE', `must be a valid mapping: ${reason}`);
  }
}

/**
 * Where employees come from (HR_SOURCE) and how they map to OMFLOW (MAPPING_FILE). Also exports
 * the DirectoryClient, which the directory proxy uses with the same shared token.
 */
@Module({
  providers: [
    DirectoryTokenStore,
    DirectoryClient,
    { provide: MAPPING_CONFIG, inject: [BRIDGE_CONFIG], useFactory: (config: BridgeConfig) => loadMapping(config.sync.mappingFile) },
    {
      provide: HrSource,
      inject: [BRIDGE_CONFIG, DirectoryClient, MAPPING_CONFIG],
      useFactory: (config: BridgeConfig, client: DirectoryClient, mapping: MappingConfig): HrSource =>
        config.sync.source === 'directory' ? new DirectorySource(client, config.directory.pageSize, mapping) : new FileSource(config.sync.file),
    },
  ],
  exports: [HrSource, DirectoryClient, MAPPING_CONFIG],
})
export class HrSourceModule {}
