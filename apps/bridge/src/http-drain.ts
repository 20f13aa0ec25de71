import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * Lets the answers in progress finish when the bridge stops. `http.Server.close()` is not
 * enough: it also destroys every connection whose answer has been *ended* by the handler, even
 * when most of that answer still waits in the process to be sent (a large `/sync` read slowly
 * by OMFLOW), so the client receives a truncated body. Here the listening socket is closed,
 * connections with no answer in progress are ended, answers still to start get
 * `Connection: close`, and each remaining connection is ended once its last answer has been
 * sent; after `timeoutMs`, whatever is left is cut off.
 */
export class HttpDrain {
  /** Open connections and the answers in progress on each. */
  private readonly connections = new Map<Socket, Set<ServerResponse>>();
  private draining = false;
  private settle: (() => void) | null = null;

  constructor(private readonly server: Server) {
    // An HTTPS server hands requests over on the TLS socket, which 'secureConnection' reports.
    server.on(server instanceof HttpsServer ? 'secureConnection' : 'connection', (socket: Socket) => this.track(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.answering(req.socket, res));
  }

  /** Stops accepting connections and waits for the answers in progress; resolves with how many connections had to be cut off. */
  async drain(timeoutMs: number): Promise<{ cutOff: number }> {
    this.draining = true;
    if (this.server.listening) NetServer.prototype.close.call(this.server);
    for (const [socket, answers] of this.connections) {
      if (!answers.size) socket.end();
      for (const res of answers) if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    if (this.connections.size) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.settle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const cutOff = this.connections.size;
    for (const socket of this.connections.keys()) socket.destroy();
    this.server.closeAllConnections();
    // Let the 'close' listeners of the answers cut off run (they audit them) before going on.
    await new Promise((resolve) => setImmediate(resolve));
    return { cutOff };
  }

  private track(socket: Socket): void {
    if (this.connections.has(socket)) return;
    this.connections.set(socket, new Set());
    if (this.draining) setImmediate(() => this.endIfIdle(socket)); // accepted just before the listener closed
    socket.once('close', () => {
      this.connections.delete(socket);
      if (this.draining && !this.connections.size) this.settle?.();
    });
  }

  private answering(socket: Socket, res: ServerResponse): void {
    this.track(socket);
    const answers = this.connections.get(socket)!;
    answers.add(res);
    if (this.draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      answers.delete(res);
      if (this.draining) this.endIfIdle(socket);
    });
  }

  private endIfIdle(socket: Socket): void {
    const answers = this.connections.get(socket);
    if (answers && !answers.size) socket.end();
  }
}
