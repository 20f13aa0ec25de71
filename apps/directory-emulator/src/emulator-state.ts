import type { EmulatorOptions } from './options.js';

/** The DI token of the emulator's options. */
export const EMULATOR_OPTIONS = Symbol('EMULATOR_OPTIONS');
export type { EmulatorOptions };
