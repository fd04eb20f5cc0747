/**
 * A bounded FIFO of batches waiting for a free worker. Bounded so a stalled pool pushes back on
 * its callers instead of holding an unbounded amount of input in host memory.
 */
import { SANDBOX_QUEUE_COMPACT_MIN_COUNT } from '../constants.js';
import { QueueFullError } from './errors.js';

export class TaskQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`queue max must be a non-negative integer, got ${max}`);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Throws QueueFullError when `max` items already wait. */
  push(item: T): void {
    if (this.size >= this.max) throw new QueueFullError(this.max);
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Compact once the consumed prefix dominates, so the array does not grow forever.
    if (this.#head > SANDBOX_QUEUE_COMPACT_MIN_COUNT && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns every waiting item, oldest first. */
  takeAll(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}
