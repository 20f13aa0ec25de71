import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#app/config';
import { emulatorOptionsFromEnv } from '../../apps/directory-emulator/src/index.js';
import { omflowEmulatorOptionsFromEnv } from '../../apps/omflow-emulator/src/options.js';
import { composeServices } from './compose-file.js';

/**
 * docker-compose.yml is the production example: it must never publish the bundled sample. (No
 * compose engine on the CI machine: the file's text is checked for what compose enforces.)
 */
describe('docker-compose.yml', () => {
  const text = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
  const services = composeServices(text);
  const bridge = services.get('bridge')!.text;

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

/**
 * The `demo` profile: the directory emulator, the bridge reading it with its read-back on the
 * OMFLOW emulator, and the OMFLOW emulator pulling the bridge. Checked statically (no Docker
 * here): each service's variables pass its own validation, and every URL a service uses to reach
 * another names that service and the port it listens on.
 */
describe('docker-compose.yml, profile demo', () => {
  const services = composeServices(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
  const directory = services.get('demo-directory')!;
  const bridge = services.get('demo-bridge')!;
  const omflow = services.get('demo-omflow')!;
  const url = (value: string | undefined) => new URL(value ?? 'http://missing');

  it('has the three services, only in the demo profile; the production services have none', () => {
    for (const s of [directory, bridge, omflow]) {
      expect(s, s.name).toBeDefined();
      expect(s.profiles, s.name).toEqual(['demo']);
    }
    expect(services.get('bridge')!.profiles).toEqual([]);
    expect(services.get('mysql')!.profiles).toEqual([]);
  });

  it("runs each app of the image: the emulators by their built mains, the bridge by the image's CMD", () => {
    expect(directory.command).toEqual(['node', 'dist/apps/directory-emulator/src/main.js']);
    expect(omflow.command).toEqual(['node', 'dist/apps/omflow-emulator/src/main.js']);
    expect(bridge.command).toBeNull();
    for (const main of ['apps/directory-emulator/src/main.ts', 'apps/omflow-emulator/src/main.ts'])
      expect(existsSync(new URL(`../../${main}`, import.meta.url)), main).toBe(true);
    for (const s of [directory, bridge, omflow]) expect(s.text, s.name).toMatch(/^ {4}image: omflow-hr-bridge:latest$/m);
  });

  it('gives each a valid configuration, listening on all interfaces', () => {
    const d = emulatorOptionsFromEnv(directory.environment);
    const o = omflowEmulatorOptionsFromEnv(omflow.environment);
    const b = loadBridgeConfig(bridge.environment);
    expect(d.listen.host).toBe('0.0.0.0');
    expect(o.listen.host).toBe('0.0.0.0');
    expect(b.http.host).toBe('0.0.0.0');
    expect(b.sync.source).toBe('directory');
    expect(b.readback.url).toBeTruthy();
  });

  it('publishes and health-checks each on the port it listens on', () => {
    const listening = {
      [directory.name]: emulatorOptionsFromEnv(directory.environment).listen.port,
      [omflow.name]: omflowEmulatorOptionsFromEnv(omflow.environment).listen.port,
      [bridge.name]: loadBridgeConfig(bridge.environment).http.port,
    };
    for (const s of [directory, bridge, omflow]) {
      expect(s.ports, s.name).toHaveLength(1);
      expect(Number(s.ports[0].split(':')[1]), s.name).toBe(listening[s.name]);
      const health = url(s.healthUrl ?? undefined);
      expect(health.hostname, s.name).toBe('127.0.0.1');
      expect(Number(health.port), s.name).toBe(listening[s.name]);
    }
    expect(url(directory.healthUrl!).pathname).toBe('/_emulator/state');
    expect(url(bridge.healthUrl!).pathname).toBe('/health/ready');
    expect(url(omflow.healthUrl!).pathname).toBe('/_omflow/state');
    const published = [directory, bridge, omflow, services.get('bridge')!].map((s) => s.ports[0].split(':')[0]);
    expect(new Set(published).size, 'no two services publish the same host port').toBe(published.length);
  });

  it('points the bridge at the directory emulator, with the credentials the emulator accepts', () => {
    const d = emulatorOptionsFromEnv(directory.environment);
    const b = loadBridgeConfig(bridge.environment);
    const to = url(bridge.environment.DIRECTORY_URL);
    expect(to.hostname).toBe(directory.name);
    expect(Number(to.port)).toBe(d.listen.port);
    expect(bridge.environment).toMatchObject({
      DIRECTORY_ORG_CODE: d.options.orgCode,
      DIRECTORY_DOMAIN_ID: d.options.domainId,
      DIRECTORY_CLIENT_ID: d.options.clientId,
      DIRECTORY_CLIENT_SECRET: d.options.clientSecret,
    });
    expect(b.sync.source).toBe('directory');
  });

  it("points the bridge's read-back at the OMFLOW emulator's query API, with its API account", () => {
    const o = omflowEmulatorOptionsFromEnv(omflow.environment);
    const to = url(bridge.environment.OMFLOW_URL);
    expect(to.hostname).toBe(omflow.name);
    expect(Number(to.port)).toBe(o.listen.port);
    expect(bridge.environment.OMFLOW_API_USER).toBe(o.options.apiUser);
    expect(bridge.environment.OMFLOW_API_PASSWORD).toBe(o.options.apiPassword);
  });

  it('has the OMFLOW emulator pull the bridge with the client the bridge provisions for OMFLOW', () => {
    const o = omflowEmulatorOptionsFromEnv(omflow.environment);
    const b = loadBridgeConfig(bridge.environment);
    const to = url(o.options.hrUrl);
    expect(to.hostname).toBe(bridge.name);
    expect(Number(to.port)).toBe(b.http.port);
    expect(o.options.hrUser).toBe(bridge.environment.OMFLOW_CLIENT_ID);
    expect(o.options.hrPassword).toBe(bridge.environment.OMFLOW_CLIENT_SECRET);
    expect(o.options.pullSeconds).toBeGreaterThan(0);
  });

  it('starts them in order: the bridge once the directory is healthy, OMFLOW once the bridge is', () => {
    expect(directory.dependsOn).toEqual({});
    expect(bridge.dependsOn).toEqual({ [directory.name]: 'service_healthy' });
    expect(omflow.dependsOn).toEqual({ [bridge.name]: 'service_healthy' });
  });
});
