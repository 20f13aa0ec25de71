import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, EmulatorConfigError, emulatorOptionsFromEnv } from './options.js';

describe('emulator options from the environment', () => {
  it('has defaults', () => {
    const { options, listen } = emulatorOptionsFromEnv({});
    expect(listen).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(options).toMatchObject({
      seed: 1,
      employees: 300,
      departments: 40,
      orgCode: 'omflow-demo',
      domainId: 'omflow',
      clientId: 'hr-bridge',
      tokenTtlSeconds: DEFAULT_OPTIONS.tokenTtlSeconds,
      dataProblems: 0,
    });
    expect(options.faults.error_rate).toBe(0);
  });

  it('reads every variable', () => {
    const { options, listen } = emulatorOptionsFromEnv({
      EMULATOR_PORT: '9000',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_SEED: '7',
      EMULATOR_EMPLOYEES: '100000',
      EMULATOR_DEPARTMENTS: '2000',
      EMULATOR_ORG_FILE: '/tmp/org.json',
      EMULATOR_ORG_CODE: 'acme',
      EMULATOR_DOMAIN_ID: 'acme-domain',
      EMULATOR_CLIENT_ID: 'app',
      EMULATOR_CLIENT_SECRET: 's3cret',
      EMULATOR_TOKEN_TTL_SECONDS: '60',
      EMULATOR_DATA_PROBLEMS: '0.05',
      EMULATOR_LATENCY_MS: '20',
      EMULATOR_ERROR_RATE: '0.1',
      EMULATOR_DROP_RATE: '0.01',
      EMULATOR_MALFORMED_RATE: '0.02',
      EMULATOR_SHORT_PAGE_RATE: '0.03',
      EMULATOR_EMPTY_DEPARTMENT_SIZE: '15',
      EMULATOR_DOCS: 'false',
      EMULATOR_LOG: 'no',
    });
    expect(listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(options).toMatchObject({
      seed: 7,
      employees: 100000,
      departments: 2000,
      orgFile: '/tmp/org.json',
      orgCode: 'acme',
      domainId: 'acme-domain',
      clientId: 'app',
      clientSecret: 's3cret',
      tokenTtlSeconds: 60,
      dataProblems: 0.05,
      docs: false,
      logger: false,
    });
    expect(options.faults).toMatchObject({ latency_ms: 20, error_rate: 0.1, drop_rate: 0.01, malformed_rate: 0.02, short_page_rate: 0.03, empty_department_size: 15 });
  });

  it('refuses bad values with a message naming the variable', () => {
    const bad: Record<string, string> = {
      EMULATOR_PORT: '80a',
      EMULATOR_EMPLOYEES: '-5',
      EMULATOR_DEPARTMENTS: '0',
      EMULATOR_ERROR_RATE: '1.5',
      EMULATOR_ORG_CODE: 'a/b',
      EMULATOR_DOCS: 'maybe',
      EMULATOR_TOKEN_TTL_SECONDS: '0',
    };
    for (const [name, value] of Object.entries(bad)) {
      expect(() => emulatorOptionsFromEnv({ [name]: value }), name).toThrow(EmulatorConfigError);
      expect(() => emulatorOptionsFromEnv({ [name]: value })).toThrow(name);
    }
  });
});
