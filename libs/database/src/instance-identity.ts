import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';

/** The identities of the bridge applications alive in this very process (tests start several). */
const alive = new Set<string>();

/** The parts of an instance id, `<name>:<pid>:<nonce>`. */
export interface InstanceIdParts {
  name: string;
  pid: number;
  nonce: string;
}

export function parseInstanceId(id: string): InstanceIdParts | null {
  const match = /^(.+):(\d+):([0-9a-f]+)$/.exec(id);
  return match ? { name: match[1], pid: Number(match[2]), nonce: match[3] } : null;
}

/**
 * Who this process is wherever it holds a lease in the database (the sync lock, the claim to
 * refresh the directory token) and in the run history: `<name>:<pid>:<nonce>`, where the name
 * is INSTANCE_ID or the host name and stays the same when the instance restarts (a container
 * keeps its host name across restarts), and the nonce is new for every start.
 *
 * A lease holder is known dead at once only when it is a previous process of this very
 * instance: same name, not alive in this process, and either its pid is this process's own pid
 * (a restarted container runs as pid 1 again: a pid is one process at a time, and this process
 * did not write that id) or no process with that pid exists on this host. Anything else (another
 * name, or a live process of the same name on this host) is left to its lease: an instance on
 * another host cannot be probed, and failing a live instance's run would let two runs write at
 * once. Live instances must therefore not share a name (set INSTANCE_ID when they share a host
 * name, e.g. containers with network_mode: host).
 */
@Injectable()
export class InstanceIdentity implements OnApplicationShutdown {
  readonly name: string;
  readonly id: string;

  constructor(@Inject(BRIDGE_CONFIG) config: BridgeConfig) {
    this.name = (config.instance.id ?? hostname()).slice(0, 40);
    this.id = `${this.name}:${process.pid}:${randomBytes(4).toString('hex')}`;
    alive.add(this.id);
  }

  onApplicationShutdown(): void {
    alive.delete(this.id);
  }

  /** Whether `holder` is certainly a dead previous process of this instance (see the class). */
  provablyDead(holder: string): boolean {
    if (holder === this.id || alive.has(holder)) return false;
    const other = parseInstanceId(holder);
    if (!other || other.name !== this.name) return false;
    return other.pid === process.pid || !processExists(other.pid);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
