import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../../cli/kafka-client/partitioner.js';

// kafkajs's default partitioner is the Java client's; ours must put keys where it does.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

describe('partitioner', () => {
  it('matches the Java client on its published vectors', () => {
    const enc = new TextEncoder();
    expect(murmur2(enc.encode('21'))).toBe(-973932308);
    expect(murmur2(enc.encode('foobar'))).toBe(-790332482);
    expect(murmur2(enc.encode('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(enc.encode('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(enc.encode('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Uint8Array.of(97, 98, 99))).toBe(479470107);
  });

  it('agrees with kafkajs on random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 64 }), (key, n) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)));
        const p = partitionForKey(key, n);
        expect(p).toBe((kafkajsMurmur2(Buffer.from(key)) & 0x7fffffff) % n);
      }),
    );
  });
});
