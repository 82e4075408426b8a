/** Events a slow reader may have queued before its stream is ended (it can resubscribe and read the timeline). */
const MAX_QUEUED = 100;

/**
 * A queue read as an async iterator: the feed pushes, graphql-ws reads with for-await. graphql-ws
 * asks for the next value only once the previous one is written to the socket, so a stream
 * whose reader is waiting on an empty queue has delivered everything pushed to it (`idle`).
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private ended = false;

  constructor(private readonly hooks: { onIdle(): void; onEnd(): void }) {}

  /** True when every value pushed so far has been taken and the reader waits for more. */
  get idle(): boolean {
    return this.ended || (this.waiting !== null && this.queue.length === 0);
  }

  push(value: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
    } else if (this.queue.length < MAX_QUEUED) {
      this.queue.push(value);
    } else {
      void this.return();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const result = new Promise<IteratorResult<T>>((resolve) => (this.waiting = resolve));
    this.hooks.onIdle();
    return result;
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.ended) {
      this.ended = true;
      this.queue.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
      this.hooks.onEnd();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
