import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

const SLAPD = '/usr/sbin/slapd';
export const LDAP_SUFFIX = 'dc=example,dc=org';
export const LDAP_PEOPLE = `ou=people,${LDAP_SUFFIX}`;
const ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;

/** The service account of search-then-bind (it may read people, nothing else). */
export const LDAP_SERVICE = { dn: `cn=omflow-bridge,ou=services,${LDAP_SUFFIX}`, password: 'svc-Bind-pass-7f3a9c' } as const;

/** A person in the test directory: `uid=<uid>,ou=people,…`; without `password`, an entry nobody can bind to (a disabled account). */
export interface LdapPerson {
  uid: string;
  password?: string;
  cn?: string;
}

export interface TestLdap {
  /** `ldap://127.0.0.1:<port>` (StartTLS offered). */
  url: string;
  /** `ldaps://127.0.0.1:<port>`. */
  ldapsUrl: string;
  /** PEM of the throwaway CA that signed the server's certificate (IP 127.0.0.1, DNS localhost). */
  caFile: string;
  /** Stops the server (the data stays); `start()` brings it back on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP, resolved once every thread is stopped): connections open,
   * nothing is answered, like a hung directory. `resume()` thaws it.
   */
  freeze(): Promise<void>;
  resume(): Promise<void>;
  /** The bind names the server was asked for since the last call (from its `stats` log), in order; `''` for an anonymous bind. */
  takeBinds(): Promise<string[]>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/**
 * slapd and ldap-utils (Debian's OpenLDAP), installed when missing, as `.ci/run` does for MariaDB.
 * Throws when they cannot be installed (not root, no network): the LDAP suites then fail loudly.
 */
export function ensureSlapd(): void {
  if (existsSync(SLAPD) && existsSync('/usr/bin/ldapadd')) return;
  const install = () =>
    execFileSync('apt-get', ['install', '-y', 'slapd', 'ldap-utils'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    install();
  }
}

/**
 * A throwaway OpenLDAP server on 127.0.0.1 for one suite: a generated slapd.conf (mdb, the core,
 * cosine and inetorgperson schemas) in a temporary directory, LDAP (with StartTLS) and LDAPS on
 * two free ports with a certificate from a throwaway CA (`openssl`), the service account and
 * `people` loaded with ldapadd (`{SSHA}` passwords).
 *
 * `allow bind_anon_dn`: the server answers a simple bind with a name and an empty password (an
 * "unauthenticated bind", RFC 4513 §5.1.2) with success, as Active Directory and many other
 * servers do, so that a verifier sending empty passwords would let anyone in.
 */
export async function startTestLdap(people: LdapPerson[]): Promise<TestLdap> {
  ensureSlapd();
  const dir = mkdtempSync(join(tmpdir(), 'bridge-ldap-'));
  mkdirSync(join(dir, 'db'));
  const caFile = makeCertificates(dir);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const rootPassword = randomBytes(12).toString('hex');
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${join(dir, 'slapd.pid')}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      `TLSCACertificateFile ${caFile}`,
      `TLSCertificateFile ${join(dir, 'server.pem')}`,
      `TLSCertificateKeyFile ${join(dir, 'server.key')}`,
      'allow bind_anon_dn',
      'database mdb',
      'maxsize 16777216',
      `suffix "${LDAP_SUFFIX}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${rootPassword}`,
      `directory ${join(dir, 'db')}`,
      'access to attrs=userPassword by anonymous auth by * none',
      `access to dn.subtree="${LDAP_PEOPLE}" by dn.exact="${LDAP_SERVICE.dn}" read by self read by * none`,
      'access to * by self read by * none',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | null = null;
  let log = '';
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${tlsPort}`;
  const start = async () => {
    // -d stats: in the foreground (a child this suite can stop), logging every operation (never a password) to stderr.
    // Its own process group: a signal meant for the test runner's group (or a SIGCONT the kernel sends it) never reaches it.
    child = spawn(SLAPD, ['-f', conf, '-h', `${url}/ ${ldapsUrl}/`, '-d', 'stats'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      log += chunk.toString();
    });
    const deadline = Date.now() + 15_000;
    while (!(await listening(port)) || !(await listening(tlsPort))) {
      if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`slapd did not listen within 15 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    running.kill('SIGCONT');
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  // Should the runner exit without close(), the server goes with it (only while it still runs: never a reused pid).
  const killOnExit = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  await start();
  const ldif = [
    `dn: ${LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n`,
    `dn: ou=services,${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: services\n`,
    `dn: ${LDAP_PEOPLE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ${LDAP_SERVICE.dn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: omflow-bridge\nuserPassword: ${ssha(LDAP_SERVICE.password)}\n`,
    ...people.map(
      (p) =>
        `dn: uid=${p.uid},${LDAP_PEOPLE}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.cn ?? p.uid}\nsn: ${p.uid}\n` +
        (p.password ? `userPassword: ${ssha(p.password)}\n` : ''),
    ),
  ].join('\n');
  execFileSync('ldapadd', ['-x', '-H', url, '-D', ROOT_DN, '-w', rootPassword], { input: ldif, stdio: ['pipe', 'ignore', 'pipe'] });

  return {
    url,
    ldapsUrl,
    caFile,
    stop,
    start,
    async takeBinds() {
      // slapd writes its log line just after answering: give it a moment.
      await new Promise((r) => setTimeout(r, 30));
      const binds = [...log.matchAll(/ BIND dn="([^"]*)" method=128/g)].map((m) => m[1]);
      log = '';
      return binds;
    },
    freeze: () => signalAndWait(child, 'SIGSTOP', true),
    resume: () => signalAndWait(child, 'SIGCONT', false),
    async close() {
      process.off('exit', killOnExit);
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `{SSHA}`: base64(SHA-1(password + salt) + salt), as slappasswd writes it. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** A throwaway CA and a server certificate it signs, for IP 127.0.0.1 and DNS localhost (P-256 keys: fast). */
function makeCertificates(dir: string): string {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=bridge test LDAP CA');
  openssl('req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '2',
    '-extfile',
    at('server.ext'),
  );
  return at('ca.pem');
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends `signal`, then waits until every thread of the process is stopped (`stopped`) or none is. */
async function signalAndWait(child: ChildProcess | null, signal: NodeJS.Signals, stopped: boolean): Promise<void> {
  if (!child?.pid) throw new Error('slapd is not running');
  child.kill(signal);
  const deadline = Date.now() + 5000;
  while (threadStates(child.pid).some((state) => (state === 'T') !== stopped)) {
    if (Date.now() > deadline) throw new Error(`slapd did not ${stopped ? 'stop' : 'continue'} within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The scheduler state letter of each thread of `pid` (`T`: stopped), from /proc. */
function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => /\) (\S)/.exec(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))?.[1] ?? '?');
}
