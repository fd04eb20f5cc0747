/**
 * Long-poll waiters: a fetch with nothing to return waits here until one of its partitions has
 * data past its position, the partition is gone, the log closes, the time runs out or the caller
 * aborts. Every committed entry looks at every waiter once.
 */
import type { LogState } from './state.js';

export interface Position {
  topic: string;
  partition: number;
  offset: bigint;
}

interface DataWaiter {
  check: () => boolean;
  done: () => void;
}

export class DataWaiters {
  private readonly waiters = new Set<DataWaiter>();

  constructor(
    private readonly state: LogState,
    private readonly isClosed: () => boolean,
  ) {}

  async wait(positions: Position[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const check = (): boolean =>
      this.isClosed() ||
      positions.some(({ topic, partition, offset }) => {
        const p = this.state.partition(topic, partition);
        return !p || p.highWatermark > offset;
      });
    if (check() || timeoutMs <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const waiter = {
        check,
        done: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.done);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, timeoutMs);
      signal?.addEventListener('abort', waiter.done);
      this.waiters.add(waiter);
    });
  }

  /** New data (or a deleted topic): wakes the waiters it satisfies. */
  notify(): void {
    for (const w of [...this.waiters]) if (w.check()) w.done();
  }

  /** Wakes every waiter (the log closes). */
  releaseAll(): void {
    for (const w of [...this.waiters]) w.done();
  }
}
