/** Nest injection token of the resolved options. */
export const OMFLOW_EMULATOR_OPTIONS = Symbol('OMFLOW_EMULATOR_OPTIONS');
