import { performance } from 'node:perf_hooks';

/** How long a loop may hold the event loop before it lets other work run (milliseconds). */
export const DEFAULT_SLICE_MS = 10;

/**
 * Lets a long synchronous loop in a server (matching a filter over many values) give the event
 * loop back at regular intervals, so other requests are answered while it runs. Inside the loop:
 * `if (slices.due()) await slices.pause();` — the check is a clock read, the pause happens at most
 * once per slice.
 */
export class EventLoopSlices {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  /** True once the current slice has used its time. */
  due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  /** Waits until the event loop has run what was waiting (I/O callbacks included), then starts a new slice. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}

/** `items.filter(keep)` that gives the event loop back between slices (see `EventLoopSlices`). */
export async function filterInSlices<T>(items: readonly T[], keep: (item: T) => boolean): Promise<T[]> {
  const slices = new EventLoopSlices();
  const kept: T[] = [];
  for (const item of items) {
    if (keep(item)) kept.push(item);
    if (slices.due()) await slices.pause();
  }
  return kept;
}
