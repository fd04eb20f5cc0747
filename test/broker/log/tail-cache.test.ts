import { expect, test } from 'vitest';
import { TailCache } from '../../../broker/log/tail-cache.js';

test('serves sub-ranges, evicts least recently used past its byte bound, drops by segment', () => {
  const cache = new TailCache(100);
  cache.add('a', 0, new Uint8Array(60).map((_, i) => i));
  expect(Array.from(cache.get('a', 10, 13)!)).toEqual([10, 11, 12]);
  expect(cache.get('a', 50, 70)).toBeUndefined();
  cache.add('b', 16, new Uint8Array(30));
  expect(cache.size).toBe(90);
  cache.get('a', 0, 1); // 'a' is now more recent than 'b'
  cache.add('c', 0, new Uint8Array(30));
  expect(cache.get('b', 16, 20)).toBeUndefined();
  expect(cache.get('a', 0, 60)).toBeDefined();
  expect(cache.size).toBe(90);
  cache.drop('a');
  expect(cache.get('a', 0, 1)).toBeUndefined();
  expect(cache.size).toBe(30);
  cache.add('huge', 0, new Uint8Array(101)); // larger than the bound: not kept
  expect(cache.size).toBe(30);
});
