import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cuts a long synchronous loop (checks, hashes, the diff of 100,000 people) into slices of at
 * most `budgetMs`, giving the event loop a turn between them, so that requests such as `/sync`
 * and `/authenticate` never wait long for a sync: `if (slice.due()) await slice.pause();` in
 * the loop. The clock is read once every `every` calls (64: the check costs next to nothing in
 * a loop over people; 1 for loops whose steps are already long).
 */
export class TimeSlice {
  private started = performance.now();
  private calls = 0;

  constructor(
    private readonly budgetMs = 20,
    private readonly every = 64,
  ) {}

  /** Whether the current slice is used up. */
  due(): boolean {
    if (++this.calls % this.every !== 0) return false;
    return performance.now() - this.started >= this.budgetMs;
  }

  /** Lets the event loop run, then starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.started = performance.now();
  }
}
