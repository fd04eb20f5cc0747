import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  COMPRESSION_TYPES,
  CorruptManifestError,
  decodeEntry,
  decodeSnapshot,
  encodeEntry,
  encodeSnapshot,
  entryKey,
  parseSeqKey,
  MANIFEST_PREFIX,
  type ManifestEntry,
  type Op,
} from '../../../broker/log/manifest.js';
import { LogState } from '../../../broker/log/state.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const name = fc.string({ minLength: 1, maxLength: 20 });
const chunk = fc.record({
  segment: name,
  topic: name,
  partition: int32,
  first: int64,
  last: int64,
  start: fc.nat(),
  end: fc.nat(),
  maxTimestamp: int64,
});
const topicConfig = fc.record({
  retentionMs: fc.integer({ min: -1 }),
  retentionBytes: fc.integer({ min: -1 }),
  maxMessageBytes: fc.integer({ min: 1 }),
  compressionType: fc.constantFrom(...COMPRESSION_TYPES),
});
const topicInfo = fc.record({
  name,
  topicId: fc.uuid(),
  partitions: fc.integer({ min: 1, max: 100 }),
  config: topicConfig,
  createdAtMs: fc.nat(),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('epoch' as const), epoch: fc.nat(), brokerId: int32 }),
  fc.record({ op: fc.constant('createTopic' as const), topic: topicInfo }),
  fc.record({ op: fc.constant('deleteTopic' as const), name, topicId: fc.uuid() }),
  fc.record({ op: fc.constant('chunk' as const), topicId: fc.uuid(), chunk }),
  fc.record({
    op: fc.constant('producerBatch' as const),
    producerId: int64,
    producerEpoch: int32,
    topic: name,
    partition: int32,
    batch: fc.record({ firstSeq: int32, lastSeq: int32, baseOffset: int64, lastOffset: int64 }),
  }),
  fc.record({ op: fc.constant('producerIds' as const), next: int64 }),
  fc.record({ op: fc.constant('commit' as const), group: fc.string(), topic: name, partition: int32, offset: int64, metadata: fc.option(fc.string(), { nil: null }) }),
  fc.record({ op: fc.constant('logStart' as const), topic: name, topicId: fc.uuid(), partition: int32, offset: int64 }),
  fc.record({ op: fc.constant('compact' as const), topicId: fc.uuid(), chunk }),
  fc.record({ op: fc.constant('createPartitions' as const), topic: name, topicId: fc.uuid(), partitions: fc.integer({ min: 1, max: 1024 }) }),
  fc.record({ op: fc.constant('topicConfig' as const), topic: name, topicId: fc.uuid(), config: topicConfig }),
  fc.record({ op: fc.constant('deleteGroup' as const), group: fc.string() }),
  fc.record({ op: fc.constant('deleteOffsets' as const), group: fc.string(), topic: name, partitions: fc.array(int32, { maxLength: 4 }) }),
);
const entry: fc.Arbitrary<ManifestEntry> = fc.record({
  v: fc.constant(1 as const),
  seq: fc.nat(),
  epoch: fc.nat(),
  writer: fc.uuid(),
  ops: fc.array(op, { maxLength: 10 }),
});

describe('manifest codec', () => {
  test('entries round-trip exactly, 64-bit values included', () => {
    fc.assert(
      fc.property(entry, (e) => {
        expect(decodeEntry('k', encodeEntry(e))).toEqual(e);
      }),
      { numRuns: 500 },
    );
  });

  test('random bytes and JSON of the wrong shape are CorruptManifestError, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => new TextEncoder().encode(j))), (bytes) => {
        try {
          decodeEntry('k', bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(CorruptManifestError);
        }
      }),
      { numRuns: 2000 },
    );
    // A number bigger than a double holds survives; a $n that is not an integer does not pass.
    const e: ManifestEntry = { v: 1, seq: 0, epoch: 1, writer: 'w', ops: [{ op: 'producerIds', next: 2n ** 63n - 1n }] };
    expect(decodeEntry('k', encodeEntry(e))).toEqual(e);
    expect(() => decodeEntry('k', new TextEncoder().encode('{"v":1,"seq":0,"epoch":1,"writer":"w","ops":[{"op":"producerIds","next":{"$n":"1.5"}}]}'))).toThrow(CorruptManifestError);
  });

  test('a snapshot of any state built from operations restores the same state', () => {
    const state = new LogState();
    const t = { name: 't', topicId: '00000000-0000-4000-8000-000000000000', partitions: 2, config: { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 100, compressionType: 'producer' as const }, createdAtMs: 5 };
    state.apply({ op: 'epoch', epoch: 1, brokerId: 0 });
    state.apply({ op: 'createTopic', topic: t });
    state.apply({ op: 'chunk', topicId: t.topicId, chunk: { segment: 's1', topic: 't', partition: 1, first: 0n, last: 9n, start: 16, end: 100, maxTimestamp: 7n } });
    state.apply({ op: 'producerIds', next: 3n });
    state.apply({ op: 'producerBatch', producerId: 2n, producerEpoch: 0, topic: 't', partition: 1, batch: { firstSeq: 0, lastSeq: 9, baseOffset: 0n, lastOffset: 9n } });
    state.apply({ op: 'commit', group: 'g', topic: 't', partition: 1, offset: 4n, metadata: null });
    state.apply({ op: 'createPartitions', topic: 't', topicId: t.topicId, partitions: 4 });
    state.apply({ op: 'topicConfig', topic: 't', topicId: t.topicId, config: { ...t.config, compressionType: 'lz4', retentionMs: 60_000 } });
    state.apply({ op: 'logStart', topic: 't', topicId: t.topicId, partition: 1, offset: 6n });
    state.seq = 5;
    const restored = LogState.fromSnapshot(decodeSnapshot('c', encodeSnapshot(state.snapshot())));
    expect(restored.snapshot()).toEqual(state.snapshot());
    expect(restored.partition('t', 1)!.highWatermark).toBe(10n);
    expect(restored.partition('t', 1)!.logStart).toBe(6n);
    expect(restored.topics.get('t')!.info).toMatchObject({ partitions: 4, config: { compressionType: 'lz4', retentionMs: 60_000 } });
    expect(restored.partition('t', 3)).toEqual({ chunks: [], highWatermark: 0n, logStart: 0n });
  });

  test('a checkpoint or entry written before topics had a codec reads as compression.type producer', () => {
    const old = '{"v":1,"seq":0,"epoch":1,"writer":"w","ops":[{"op":"createTopic","topic":{"name":"t","topicId":"x","partitions":1,"config":{"retentionMs":-1,"retentionBytes":-1,"maxMessageBytes":10},"createdAtMs":0}}]}';
    const e = decodeEntry('k', new TextEncoder().encode(old));
    expect(e.ops[0]).toMatchObject({ op: 'createTopic', topic: { config: { compressionType: 'producer' } } });
  });

  test('partitions only grow, configs replace, and group deletions drop committed offsets', () => {
    const state = new LogState();
    const t = { name: 't', topicId: 'id-1', partitions: 2, config: { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 100, compressionType: 'producer' as const }, createdAtMs: 5 };
    state.apply({ op: 'createTopic', topic: t });
    state.apply({ op: 'createPartitions', topic: 't', topicId: 'id-1', partitions: 3 });
    state.apply({ op: 'createPartitions', topic: 't', topicId: 'id-1', partitions: 2 });
    state.apply({ op: 'createPartitions', topic: 't', topicId: 'an-older-t', partitions: 9 });
    expect([state.topics.get('t')!.info.partitions, state.topics.get('t')!.partitions.length]).toEqual([3, 3]);
    state.apply({ op: 'topicConfig', topic: 't', topicId: 'an-older-t', config: { ...t.config, maxMessageBytes: 1 } });
    expect(state.topics.get('t')!.info.config.maxMessageBytes).toBe(100);
    for (const [group, partition] of [['a', 0], ['a', 1], ['a', 2], ['b', 0]] as const) {
      state.apply({ op: 'commit', group, topic: 't', partition, offset: 1n, metadata: null });
    }
    state.apply({ op: 'deleteOffsets', group: 'a', topic: 't', partitions: [0, 2, 7] });
    expect(state.fetchCommitted('a', 't', 0)).toBeUndefined();
    expect(state.fetchCommitted('a', 't', 1)?.offset).toBe(1n);
    state.apply({ op: 'deleteOffsets', group: 'a', topic: 't', partitions: [1] });
    expect(state.commits.has('a')).toBe(false);
    state.apply({ op: 'deleteGroup', group: 'b' });
    expect(state.commits.size).toBe(0);
  });

  test('state invariants: a chunk must start at the high watermark; epochs only grow', () => {
    const state = new LogState();
    state.apply({ op: 'epoch', epoch: 3, brokerId: 0 });
    expect(() => state.apply({ op: 'epoch', epoch: 3, brokerId: 1 })).toThrow(/epoch/);
    const id = '00000000-0000-4000-8000-000000000001';
    state.apply({ op: 'createTopic', topic: { name: 't', topicId: id, partitions: 1, config: { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1, compressionType: 'producer' }, createdAtMs: 0 } });
    expect(() => state.apply({ op: 'chunk', topicId: id, chunk: { segment: 's', topic: 't', partition: 0, first: 5n, last: 6n, start: 0, end: 1, maxTimestamp: 0n } })).toThrow(/high watermark/);
  });

  test('sequence keys sort numerically and parse back', () => {
    expect(entryKey(10) > entryKey(9)).toBe(true);
    expect(parseSeqKey(entryKey(123), MANIFEST_PREFIX)).toBe(123);
    expect(parseSeqKey('manifest/12', MANIFEST_PREFIX)).toBeNull();
  });
});
