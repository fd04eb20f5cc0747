import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiKey } from '../../../../broker/protocol/api-keys.js';
import { codecFor, type RequestOf } from '../../../../broker/protocol/apis/index.js';
import { CODEC_SNAPPY_NATIVE_MIN_BYTES } from '../../../../broker/constants.js';
import { Compression } from '../../../../broker/protocol/codecs/index.js';
import { lazyRequire } from '../../../../broker/protocol/codecs/lazy-require.js';
import { ErrorCode } from '../../../../broker/protocol/error-codes.js';
import { KafkaError } from '../../../../broker/protocol/errors.js';
import { decodeRequestHeader } from '../../../../broker/protocol/header.js';
import { Reader } from '../../../../broker/protocol/reader.js';
import { decodeRecords, iterateBatches } from '../../../../broker/protocol/record-batch.js';
import { Writer } from '../../../../broker/protocol/writer.js';
import { compressedBatch, kafkaErrorOf, recordsSection, sampleRecords } from './helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/protocol');

/** The one batch kcat produced with `-z codec` (a captured Produce v7 frame). */
function kcatBatch(codec: string): Uint8Array {
  const frame = new Uint8Array(readFileSync(path.join(fixtures, codec === 'none' ? 'kcat' : `kcat-${codec}`, 'produce-v7.bin')));
  const r = new Reader(frame, 4);
  decodeRequestHeader(r);
  const produce = codecFor(ApiKey.Produce)!.decodeRequest(r, 7) as RequestOf<typeof ApiKey.Produce>;
  const [batch] = [...iterateBatches(produce.topicData[0]!.partitionData[0]!.records!)];
  return batch!.bytes;
}

/** A raw snappy block that stores `data` as one literal: big enough for the native path, built without the library. */
function snappyLiteralBatch(): Uint8Array {
  const records = sampleRecords(200);
  const data = recordsSection(records);
  expect(data.byteLength).toBeGreaterThanOrEqual(CODEC_SNAPPY_NATIVE_MIN_BYTES);
  const w = new Writer().uvarint(data.byteLength).uint8(62 << 2); // literal, length - 1 in the next 3 bytes
  w.uint8((data.byteLength - 1) & 0xff).uint8(((data.byteLength - 1) >> 8) & 0xff).uint8((data.byteLength - 1) >> 16).raw(data);
  return compressedBatch(records, Compression.snappy, w.toUint8Array());
}

const moduleCache = createRequire(import.meta.url).cache;
const loaded = (pkg: string): boolean => Object.keys(moduleCache).some((k) => k.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`));

describe('record codecs', () => {
  // Runs first in its own process (vitest forks a process per test file): nothing has loaded the libraries yet.
  it('loads a codec library only when a batch with that codec is decoded', () => {
    const libraries = { snappy: 'snappy', lz4: 'lz4-napi', zstd: '@toondepauw/node-zstd' } as const;
    expect(Object.values(libraries).map(loaded)).toEqual([false, false, false]);
    decodeRecords(kcatBatch('gzip'));
    expect(Object.values(libraries).map(loaded)).toEqual([false, false, false]);
    const seen: string[] = [];
    // kcat's snappy batch is small enough to inflate in JS: the library loads for a big block only.
    expect(decodeRecords(kcatBatch('snappy'))).toHaveLength(2);
    expect(Object.values(libraries).map(loaded)).toEqual([false, false, false]);
    for (const [codec, pkg] of Object.entries(libraries)) {
      expect(decodeRecords(codec === 'snappy' ? snappyLiteralBatch() : kcatBatch(codec)).length).toBeGreaterThan(1);
      seen.push(pkg);
      expect(Object.values(libraries).map(loaded)).toEqual(Object.values(libraries).map((p) => seen.includes(p)));
    }
  });

  it('a codec library that cannot be loaded makes the codec unsupported here, not the batch corrupt', () => {
    const missing = lazyRequire<unknown>('sluice-no-such-codec-library', 'imaginary');
    const err = kafkaErrorOf(() => missing());
    expect([err.code, err.message]).toEqual([ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, expect.stringMatching(/^the imaginary codec \(sluice-no-such-codec-library\) cannot be loaded: /)]);
  });

  it('mutated batches of every codec only ever raise KafkaError, and never inflate past the bound', () => {
    const batches = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].map(kcatBatch);
    const mutated = fc
      .tuple(fc.constantFrom(...batches), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([valid, muts]) => {
        const copy = valid.slice();
        for (const [at, b] of muts) copy[61 + (at % (copy.byteLength - 61))] = b; // the records section, past the header
        return copy;
      });
    fc.assert(
      fc.property(mutated, fc.integer({ min: 0, max: 1024 }), (batch, bound) => {
        try {
          decodeRecords(batch, { decompressedMaxBytes: bound });
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
