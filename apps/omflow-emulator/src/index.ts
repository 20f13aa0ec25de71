export { createOmflowEmulatorApp, resolveOmflowEmulatorOptions, type OmflowEmulatorAppOptions } from './bootstrap.js';
export {
  DEFAULT_OPTIONS,
  OMFLOW_EMULATOR_VARIABLES,
  OmflowEmulatorConfigError,
  omflowEmulatorOptionsFromEnv,
  type ListenOptions,
  type OmflowEmulatorOptions,
} from './options.js';
export { applySyncAnswer, MalformedAnswerError, GENDER_LIMIT, GROUP_NO_LIMIT } from './apply.js';
export type { OmGroup, OmUser, PullRecord, RecordFailure, DeleteMode } from './model.js';
export { PullerService } from './puller.service.js';
