import { expect, test } from 'vitest';
import { TailCache } from '../../../broker/log/tail-cache.js';
import { LOG_READ_RESUME_CACHE_MAX_BYTES, LOG_TAIL_CACHE_MAX_BYTES } from '../../../broker/constants.js';

const bytes = (n: number, fill = 0) => new Uint8Array(n).fill(fill);

test('keeps chunks as batch lists, evicts least recently used past its byte bound, drops by segment', () => {
  const cache = new TailCache(100);
  const a = [bytes(20, 1), bytes(40, 2)];
  cache.add('a', 16, a);
  expect(cache.get('a', 16)).toBe(a);
  expect(cache.get('a', 17)).toBeUndefined();
  cache.add('b', 16, [bytes(30)]);
  expect(cache.size).toBe(90);
  cache.get('a', 16); // 'a' is now more recent than 'b'
  cache.add('c', 0, [bytes(30)]);
  expect(cache.get('b', 16)).toBeUndefined();
  expect(cache.get('a', 16)).toBe(a);
  expect(cache.size).toBe(90);
  cache.add('c', 100, [bytes(5)]);
  cache.drop('c');
  expect(cache.get('c', 0)).toBeUndefined();
  expect(cache.get('c', 100)).toBeUndefined();
  expect(cache.size).toBe(60);
  cache.add('huge', 0, [bytes(101)]); // larger than the bound: not kept
  expect(cache.size).toBe(60);
});

test('keeps chunks read from the bucket in a region of its own, until let go or their segment is dropped', () => {
  const cache = new TailCache(100, 50);
  const flushed = [bytes(30, 1)];
  cache.add('s', 0, flushed);
  // Chunks read from the bucket do not push flushed ones out: they have their own bound.
  const r1 = [bytes(30, 2)];
  const r2 = [bytes(30, 3)];
  cache.addResumed('s', 100, r1);
  cache.addResumed('t', 0, r2);
  expect(cache.get('s', 0)).toBe(flushed);
  expect(cache.get('s', 100)).toBeUndefined();
  expect(cache.get('t', 0)).toBe(r2);
  expect(cache.size).toBe(60);
  // A flushed chunk is not kept twice.
  cache.addResumed('s', 0, flushed);
  expect(cache.size).toBe(60);
  cache.forgetResumed('t', 0);
  expect(cache.get('t', 0)).toBeUndefined();
  cache.addResumed('t', 0, r2);
  cache.drop('t');
  expect(cache.get('t', 0)).toBeUndefined();
  expect(cache.size).toBe(30);
});

test(`keeps at most ${LOG_READ_RESUME_CACHE_MAX_BYTES} bytes of chunks for reads to resume in, whatever the flushed chunks' bound`, () => {
  const cache = new TailCache(LOG_TAIL_CACHE_MAX_BYTES);
  const chunk = 1024 * 1024;
  const count = LOG_READ_RESUME_CACHE_MAX_BYTES / chunk + 1;
  for (let i = 0; i < count; i++) cache.addResumed('s', i * chunk, [bytes(chunk)]);
  expect(cache.size).toBe(LOG_READ_RESUME_CACHE_MAX_BYTES);
  // The oldest went first.
  expect(cache.get('s', 0)).toBeUndefined();
  expect(cache.get('s', (count - 1) * chunk)).toBeDefined();
});
