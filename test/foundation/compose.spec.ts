import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * docker-compose.yml is the production example: it must never publish the bundled sample. (No
 * compose engine on the CI machine: the file's text is checked for what compose enforces.)
 */
describe('docker-compose.yml', () => {
  const text = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
  const bridge = text.slice(text.indexOf('\n  bridge:'));

  it('reads people from the directory, set explicitly', () => {
    expect(bridge).toMatch(/^\s+HR_SOURCE: directory$/m);
  });

  it('stops with a message naming each directory setting that is missing', () => {
    for (const name of ['DIRECTORY_URL', 'DIRECTORY_ORG_CODE', 'DIRECTORY_CLIENT_ID', 'DIRECTORY_CLIENT_SECRET']) {
      expect(bridge, name).toMatch(new RegExp(`^\\s+${name}: \\$\\{${name}:\\?set ${name} in \\.env[^}]*\\}$`, 'm'));
    }
  });

  it('never sets HR_FILE or ALLOW_SAMPLE_ORGANISATION', () => {
    expect(bridge).not.toMatch(/HR_FILE|ALLOW_SAMPLE_ORGANISATION/);
  });
});
