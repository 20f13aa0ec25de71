import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SyncService } from '#app/snapshots';
import { HttpDrain } from './http-drain.js';

/**
 * The first step of a shutdown (the root module's hooks run before its imports'), within
 * SHUTDOWN_GRACE_SECONDS: stop accepting connections and let the answers in progress finish,
 * while the sync work in progress is cancelled. Only then do the feature modules stop, the audit
 * trail flush and the database close, so what the drained answers record is still written.
 */
@Injectable()
export class GracefulShutdown implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private drain: HttpDrain | null = null;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sync: SyncService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) this.drain = new HttpDrain(server);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const graceMs = this.config.instance.shutdownGraceSeconds * 1000;
    const started = Date.now();
    const [http] = await Promise.all([this.drain?.drain(graceMs) ?? { cutOff: 0 }, this.sync.stop(graceMs)]);
    const took = Date.now() - started;
    if (http.cutOff) this.logger.warn(`Shutdown${signal ? ` (${signal})` : ''}: ${http.cutOff} connection(s) still answering after ${graceMs} ms were cut off`);
    else if (signal) this.logger.log(`Shutdown (${signal}): answers and sync work in progress ended in ${took} ms`);
  }
}
