import { Injectable, Logger } from '@nestjs/common';

/** People who kept their directory id under a new username, in a snapshot just published. */
export interface RenamesPublished {
  snapshotId: number;
  renames: readonly { key: string; from: string; to: string }[];
}

export type SnapshotEventHandler<E> = (event: E) => Promise<void>;

/**
 * What happens to snapshots that other libraries react to (e.g. stored passwords follow a
 * rename). A subscriber is a provider of its own library that registers here when its module
 * starts; it runs after the publish committed, and its failure is logged, never undoes it.
 */
@Injectable()
export class SnapshotEvents {
  private readonly logger = new Logger(SnapshotEvents.name);
  private readonly renameHandlers: SnapshotEventHandler<RenamesPublished>[] = [];

  onRenamesPublished(handler: SnapshotEventHandler<RenamesPublished>): void {
    this.renameHandlers.push(handler);
  }

  async renamesPublished(event: RenamesPublished): Promise<void> {
    for (const handler of this.renameHandlers) {
      await handler(event).catch((error: unknown) => this.logger.error({ err: error }, `A rename subscriber failed for snapshot ${event.snapshotId}`));
    }
  }
}
