import { Injectable } from '@nestjs/common';
import { gunzipSync } from 'node:zlib';
import { PublishedView } from './published-view.repository.js';
import { SnapshotEvents } from './snapshot-events.js';

export interface ServedPayload {
  snapshotId: number;
  etag: string;
  gzip: Buffer;
  /** The uncompressed JSON, made on first need. */
  raw(): Buffer;
}

/** How long an instance trusts its last look at the published pointer. */
const POINTER_TTL_MS = 1000;

/**
 * The prepared `/sync` answer of the published snapshot, served from memory. Which snapshot is
 * published is read from the database at most once a second per instance (so every instance
 * follows a publish within a second); the bytes are loaded only when the pointer moves.
 */
@Injectable()
export class PublishedPayload {
  private cached: (ServedPayload & { rawBytes: Buffer | null }) | null = null;
  private loading: Promise<ServedPayload | null> | null = null;
  private lastPullWrite = 0;
  private lastPullSnapshot: number | null = null;

  constructor(
    private readonly view: PublishedView,
    private readonly events: SnapshotEvents,
  ) {}

  private pointer: { value: { snapshotId: number; etag: string } | null; at: number } | null = null;

  async current(): Promise<ServedPayload | null> {
    const now = Date.now();
    if (!this.pointer || now - this.pointer.at > POINTER_TTL_MS) this.pointer = { value: await this.view.pointer(), at: now };
    const pointer = this.pointer.value;
    if (!pointer) return null;
    if (this.cached && this.cached.etag === pointer.etag && this.cached.snapshotId === pointer.snapshotId) return this.cached;
    this.loading ??= this.load(pointer.snapshotId, pointer.etag).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Forgets the pointer, so that this instance serves a publish of its own at once. */
  invalidate(): void {
    this.pointer = null;
  }

  /**
   * Remembers OMFLOW's last pull; written at most every 5 s per instance so that pulls stay cheap,
   * but at once when the pull is of another snapshot than this instance last recorded (the
   * read-back compares OMFLOW with the snapshot it pulled). The first pull of a snapshot (the
   * pull recorded before named another) is told to the `snapshotPulled` subscribers.
   */
  async recordPull(clientId: string, snapshotId: number): Promise<void> {
    const now = Date.now();
    if (now - this.lastPullWrite < 5000 && this.lastPullSnapshot === snapshotId) return;
    this.lastPullWrite = now;
    this.lastPullSnapshot = snapshotId;
    const previous = await this.view.recordPull(clientId, snapshotId);
    if (previous !== snapshotId) await this.events.snapshotPulled({ snapshotId, previousSnapshotId: previous, clientId, at: new Date(now) });
  }

  private async load(snapshotId: number, etag: string): Promise<ServedPayload | null> {
    const gzip = await this.view.payload(snapshotId);
    if (!gzip) return null;
    const entry = {
      snapshotId,
      etag,
      gzip,
      rawBytes: null as Buffer | null,
      raw(): Buffer {
        entry.rawBytes ??= gunzipSync(gzip);
        return entry.rawBytes;
      },
    };
    this.cached = entry;
    return entry;
  }
}
