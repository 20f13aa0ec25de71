import { createServer, type Server, type Socket } from 'node:net';

/**
 * The state of an account in the emulated Active Directory, and the sub-code AD puts in its
 * invalidCredentials answer: `expired` 532, `mustReset` 773, `disabled` 533, `accountExpired`
 * 701, `outsideHours` 530 (sent only for the right password, as AD does), `locked` 775 (sent
 * whatever the password).
 */
export type AdAccountState = 'ok' | 'expired' | 'mustReset' | 'disabled' | 'accountExpired' | 'outsideHours' | 'locked';

const SUB_CODE: Record<Exclude<AdAccountState, 'ok'>, string> = {
  expired: '532',
  mustReset: '773',
  disabled: '533',
  accountExpired: '701',
  outsideHours: '530',
  locked: '775',
};

/**
 * A tiny LDAPv3 server answering simple binds as Active Directory does (OpenLDAP has no such
 * sub-codes): result 49 with `80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext
 * error, data XXX, v4563`, 525 for a name it does not hold, 52e for a wrong password, and success
 * for a name with an empty password (an unauthenticated bind, RFC 4513 §5.1.2). Real BER over TCP
 * on 127.0.0.1; binds and unbinds only. `binds` records the names it was asked for.
 */
export async function startAdEmulator(accounts: Record<string, { password: string; state?: AdAccountState }>): Promise<{
  url: string;
  binds: string[];
  close(): Promise<void>;
}> {
  const binds: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let message = readTlv(buffer, 0); message; message = readTlv(buffer, 0)) {
        buffer = buffer.subarray(message.end);
        const id = readTlv(message.whole, message.start);
        const op = id && readTlv(message.whole, id.end);
        if (!id || !op) return socket.destroy();
        if (op.tag === 0x42) return socket.end(); // unbind
        if (op.tag !== 0x60) return socket.destroy(); // this emulator knows binds only
        const version = readTlv(message.whole, op.start);
        const name = version && readTlv(message.whole, version.end);
        const password = name && readTlv(message.whole, name.end);
        if (!name || !password || password.tag !== 0x80) return socket.destroy();
        const bindName = message.whole.subarray(name.start, name.end).toString('utf8');
        const bindPassword = message.whole.subarray(password.start, password.end).toString('utf8');
        binds.push(bindName);
        socket.write(bindResponse(message.whole.subarray(id.start, id.end), answer(accounts, bindName, bindPassword)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ldap://127.0.0.1:${port}`,
    binds,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** AD's answer to a simple bind: null for success, else the sub-code of result 49. */
function answer(accounts: Record<string, { password: string; state?: AdAccountState }>, name: string, password: string): string | null {
  if (password === '') return null; // the unauthenticated bind: "success", as anonymous
  const account = Object.hasOwn(accounts, name.toLowerCase()) ? accounts[name.toLowerCase()] : undefined;
  if (!account) return '525';
  const state = account.state ?? 'ok';
  if (state === 'locked') return SUB_CODE.locked;
  if (password !== account.password) return '52e';
  return state === 'ok' ? null : SUB_CODE[state];
}

function bindResponse(messageId: Buffer, subCode: string | null): Buffer {
  const diagnostic = subCode ? `80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data ${subCode}, v4563\0` : '';
  const body = Buffer.concat([tlv(0x0a, Buffer.from([subCode ? 49 : 0])), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from(diagnostic, 'utf8'))]);
  return tlv(0x30, Buffer.concat([tlv(0x02, messageId), tlv(0x61, body)]));
}

function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, value]);
}

/** One BER element at `offset` of `buf` (its tag, where its value starts and ends), or null when incomplete. */
function readTlv(buf: Buffer, offset: number): { tag: number; start: number; end: number; whole: Buffer } | null {
  if (buf.length < offset + 2) return null;
  const tag = buf[offset];
  let length = buf[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (buf.length < start + bytes) return null;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buf[start + i];
    start += bytes;
  }
  if (buf.length < start + length) return null;
  return { tag, start, end: start + length, whole: buf };
}
