import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, OMFLOW_EMULATOR_VARIABLES, omflowEmulatorOptionsFromEnv, SECRET_VARIABLES } from './options.js';

describe('omflowEmulatorOptionsFromEnv', () => {
  it('defaults to port 8070, an in-memory database and soft deletes', () => {
    const { options, listen } = omflowEmulatorOptionsFromEnv({});
    expect(listen).toEqual({ host: '127.0.0.1', port: 8070 });
    expect(options).toMatchObject({ db: ':memory:', pullSeconds: 60, deleteMode: 'soft', adminToken: '' });
  });

  it('reads every variable', () => {
    const { options, listen } = omflowEmulatorOptionsFromEnv({
      OMFLOW_EMULATOR_PORT: '9000',
      OMFLOW_EMULATOR_DB: '/tmp/omflow.sqlite',
      OMFLOW_EMULATOR_HR_URL: 'https://bridge.example.com/',
      OMFLOW_EMULATOR_HR_USER: 'omflow',
      OMFLOW_EMULATOR_HR_PASSWORD: 'p a s s',
      OMFLOW_EMULATOR_PULL_SECONDS: '0',
      OMFLOW_EMULATOR_API_USER: 'api',
      OMFLOW_EMULATOR_API_PASSWORD: 'secret',
      OMFLOW_EMULATOR_ADMIN_TOKEN: 'a-long-enough-token-123',
      OMFLOW_EMULATOR_DELETE_MODE: 'hard',
    });
    expect(listen.port).toBe(9000);
    expect(options).toMatchObject({
      db: '/tmp/omflow.sqlite',
      hrUrl: 'https://bridge.example.com',
      hrPassword: 'p a s s',
      pullSeconds: 0,
      apiUser: 'api',
      adminToken: 'a-long-enough-token-123',
      deleteMode: 'hard',
    });
  });

  it('refuses bad values naming the variable, never echoing a secret', () => {
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_PORT: 'x' })).toThrow(/OMFLOW_EMULATOR_PORT must be an integer/);
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_HR_URL: 'ftp://x' })).toThrow(/OMFLOW_EMULATOR_HR_URL/);
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_HR_URL: 'http://u:p@x' })).toThrow(/must not carry credentials/);
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_DELETE_MODE: 'maybe' })).toThrow(/soft or hard/);
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_ADMIN_TOKEN: 'short secret' })).toThrow(/^(?!.*short secret).*OMFLOW_EMULATOR_ADMIN_TOKEN/);
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_PULL_SECONDS: '-1' })).toThrow(/between 0/);
  });

  it('reads secrets from <NAME>_FILE, one trailing newline dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omflow-emulator-'));
    writeFileSync(join(dir, 'hr'), 'from-a-file\n');
    expect(omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_HR_PASSWORD_FILE: join(dir, 'hr') }).options.hrPassword).toBe('from-a-file');
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_HR_PASSWORD_FILE: join(dir, 'hr'), OMFLOW_EMULATOR_HR_PASSWORD: 'x' })).toThrow(/not both/);
    expect(() => omflowEmulatorOptionsFromEnv({ OMFLOW_EMULATOR_API_PASSWORD_FILE: join(dir, 'missing') })).toThrow(
      /OMFLOW_EMULATOR_API_PASSWORD_FILE: cannot read .*ENOENT/,
    );
  });

  it('is documented variable by variable in its README and in the root README', () => {
    const own = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const root = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const name of [...OMFLOW_EMULATOR_VARIABLES, ...SECRET_VARIABLES.map((v) => `${v}_FILE`)]) {
      expect(own, name).toContain(`\`${name}\``);
      expect(root, name).toContain(`\`${name}\``);
    }
    expect(DEFAULT_OPTIONS.securityTtlSeconds).toBe(300);
  });
});
