import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SANDBOX_QUEUE_COMPACT_MIN_COUNT } from '../../../runtime/constants.js';
import { QueueFullError } from '../../../runtime/sandbox/errors.js';
import { TaskQueue } from '../../../runtime/sandbox/task-queue.js';

describe('TaskQueue', () => {
  it('is FIFO and refuses past its bound with QueueFullError', () => {
    const q = new TaskQueue<number>(2);
    q.push(1);
    q.push(2);
    expect(() => q.push(3)).toThrow(QueueFullError);
    expect(q.shift()).toBe(1);
    q.push(3);
    expect(q.takeAll()).toEqual([2, 3]);
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('behaves like a bounded array under any sequence of pushes and shifts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.array(fc.boolean(), { maxLength: 5000 }), (max, ops) => {
        const q = new TaskQueue<number>(max);
        const model: number[] = [];
        let next = 0;
        for (const push of ops) {
          if (push) {
            if (model.length >= max) expect(() => q.push(next)).toThrow(QueueFullError);
            else {
              q.push(next);
              model.push(next);
            }
            next++;
          } else expect(q.shift()).toBe(model.shift());
          expect(q.size).toBe(model.length);
        }
        expect(q.takeAll()).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });

  it(`stays FIFO when it compacts past SANDBOX_QUEUE_COMPACT_MIN_COUNT (${SANDBOX_QUEUE_COMPACT_MIN_COUNT}) taken slots`, () => {
    const q = new TaskQueue<number>(10);
    const taken: number[] = [];
    // Keep a few waiting while far more than the compaction bound pass through.
    for (let i = 0; i < 3; i++) q.push(i);
    for (let i = 3; i < 3 * SANDBOX_QUEUE_COMPACT_MIN_COUNT; i++) {
      q.push(i);
      taken.push(q.shift()!);
    }
    expect(taken).toEqual([...Array(3 * SANDBOX_QUEUE_COMPACT_MIN_COUNT - 3).keys()]);
    expect(q.size).toBe(3);
    expect(q.takeAll()).toEqual([3 * SANDBOX_QUEUE_COMPACT_MIN_COUNT - 3, 3 * SANDBOX_QUEUE_COMPACT_MIN_COUNT - 2, 3 * SANDBOX_QUEUE_COMPACT_MIN_COUNT - 1]);
  });
});
