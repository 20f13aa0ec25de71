import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

/** The directory emulator in a child process of its own (so that its memory is not the bridge's). */
export interface EmulatorProcess {
  url: string;
  orgCode: string;
  domainId: string;
  clientId: string;
  clientSecret: string;
  /** Wall time from spawn to listening (generation included). */
  startupMs: number;
  close(): Promise<void>;
}

export async function startEmulatorProcess(options: { employees: number; departments: number; seed: number }): Promise<EmulatorProcess> {
  const ids = { orgCode: 'omflow-demo', domainId: 'omflow', clientId: 'hr-bridge', clientSecret: 'hr-bridge-secret' };
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['dist/apps/directory-emulator/src/main.js'], {
    env: {
      ...process.env,
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_PORT: '0',
      EMULATOR_EMPLOYEES: String(options.employees),
      EMULATOR_DEPARTMENTS: String(options.departments),
      EMULATOR_SEED: String(options.seed),
      EMULATOR_ORG_CODE: ids.orgCode,
      EMULATOR_DOMAIN_ID: ids.domainId,
      EMULATOR_CLIENT_ID: ids.clientId,
      EMULATOR_CLIENT_SECRET: ids.clientSecret,
      EMULATOR_LOG: 'false',
      EMULATOR_DOCS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The emulator exited (code ${code}) before listening: ${stderr.trim()}`)));
  });
  const startupMs = performance.now() - started;
  return {
    url,
    ...ids,
    startupMs,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A bare `node:http` server answering every request with the same prepared bytes and headers. */
export async function startBareServer(body: Buffer, headers: OutgoingHttpHeaders): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { ...headers, 'Content-Length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What autocannon measured. */
export interface LoadResult {
  /** Milliseconds. */
  p50: number;
  p99: number;
  mean: number;
  /** Requests per second (mean over the run). */
  rps: number;
  /** Bytes per second received. */
  bytesPerSecond: number;
  total: number;
  non2xx: number;
  errors: number;
}

/** Drives `url` with autocannon in a child process (so that the load generator does not share the server's event loop). */
export async function autocannon(
  url: string,
  options: { connections: number; seconds: number; method: string; headers: IncomingHttpHeaders; body?: string },
): Promise<LoadResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon');
  const args = [cli, '--json', '-c', String(options.connections), '-d', String(options.seconds), '-m', options.method];
  for (const [name, value] of Object.entries(options.headers)) if (value !== undefined) args.push('-H', `${name}=${String(value)}`);
  if (options.body !== undefined) args.push('-b', options.body);
  args.push(url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${err.trim()}`);
  const r = JSON.parse(out.slice(out.indexOf('{'))) as {
    latency: { p50: number; p99: number; average: number };
    requests: { average: number; total: number };
    throughput: { average: number };
    non2xx: number;
    errors: number;
  };
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.average,
    rps: r.requests.average,
    bytesPerSecond: r.throughput.average,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}
