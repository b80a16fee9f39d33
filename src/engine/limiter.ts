/** A counting semaphore: at most `size` tasks run at once; a released slot passes straight to the next waiter. */
export function createLimiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const acquire = async (): Promise<void> => {
    if (active < size) {
      active += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/**
 * An unbounded queue that workers await; `close()` tells them no more items will come.
 * Target resolution pushes accounts as Organizations pages arrive, so auditing starts before
 * a 10,000-account listing has finished.
 */
export class WorkQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private readonly waiters: Array<(item: T | undefined) => void> = [];
  private closed = false;

  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  async take(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const item = this.items[this.head];
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return item;
    }
    if (this.closed) return undefined;
    return new Promise<T | undefined>((resolve) => this.waiters.push(resolve));
  }
}
