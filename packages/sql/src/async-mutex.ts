/**
 * A first-come, first-served async lock. The SQLite executor holds it for the length of a
 * transaction so statements from other callers on the same connection cannot slip into it.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private held = false;
  private waiting = 0;

  /** True when nobody holds the lock and nobody waits for it. */
  get idle(): boolean {
    return !this.held && this.waiting === 0;
  }

  /** Waits for the lock; call the returned function exactly once to release it. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => next);
    this.waiting++;
    await previous;
    this.waiting--;
    this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held = false;
      release();
    };
  }

  /** Runs `fn` while holding the lock. */
  async runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
