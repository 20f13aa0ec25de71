export { createEmulatorApp, resolveEmulatorOptions, type EmulatorAppOptions } from './bootstrap.js';
export { DEFAULT_OPTIONS, emulatorOptionsFromEnv, EmulatorConfigError, NO_FAULTS, type EmulatorOptions, type FaultSettings } from './options.js';
export { generateOrganisation, type GeneratorOptions } from './organisation/generator.js';
export { exportOrganisation, loadOrganisationFile, parseOrganisation } from './organisation/org-file.js';
export { DirectoryStore } from './organisation/store.js';
export type { MutationResult } from './directory.service.js';
