import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#app/config';
import { InstanceIdentity, parseInstanceId } from './instance-identity.js';

const identity = (env: NodeJS.ProcessEnv = {}) => new InstanceIdentity(loadBridgeConfig(env));

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', '']);
  return done.pid;
}

describe('InstanceIdentity', () => {
  it('is <name>:<pid>:<nonce>, the name being INSTANCE_ID or the host name, the nonce new for every start', () => {
    const a = identity({ INSTANCE_ID: 'bridge-a' });
    expect(parseInstanceId(a.id)).toEqual({ name: 'bridge-a', pid: process.pid, nonce: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(identity().name).toBe(hostname().slice(0, 40));
    expect(identity({ INSTANCE_ID: 'bridge-a' }).id).not.toBe(a.id);
  });

  it('knows an earlier process of the same name to be dead: its pid is gone, or is this very pid (a restarted container)', () => {
    const self = identity({ INSTANCE_ID: 'bridge-a' });
    expect(self.provablyDead(`bridge-a:${deadPid()}:0badf00d`)).toBe(true);
    expect(self.provablyDead(`bridge-a:${process.pid}:0badf00d`)).toBe(true);
  });

  it('never declares dead: itself, another live instance in this process, a live process of the same name, another name, or a malformed id', () => {
    const self = identity({ INSTANCE_ID: 'bridge-a' });
    const sibling = identity({ INSTANCE_ID: 'bridge-a' });
    expect(self.provablyDead(self.id)).toBe(false);
    expect(self.provablyDead(sibling.id)).toBe(false);
    expect(self.provablyDead(`bridge-a:${process.ppid}:0badf00d`)).toBe(false);
    expect(self.provablyDead(`bridge-b:${deadPid()}:0badf00d`)).toBe(false);
    expect(self.provablyDead(`bridge-b:${process.pid}:0badf00d`)).toBe(false);
    expect(self.provablyDead('garbage')).toBe(false);
  });

  it('forgets a sibling once it has shut down (its leases may then be taken over)', () => {
    const self = identity({ INSTANCE_ID: 'bridge-a' });
    const sibling = identity({ INSTANCE_ID: 'bridge-a' });
    sibling.onApplicationShutdown();
    expect(self.provablyDead(sibling.id)).toBe(true);
  });
});
