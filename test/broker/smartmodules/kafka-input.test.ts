// Views hand the sandbox Kafka batches as stored; its input converter makes the ABI batch beside
// the module. These check the packing and the conversion against the host-side cursor, and what
// the pool and the inline runner do with converted calls.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainRecord, recordArb } from '../../helpers/record-arbitraries.js';
import { InflatedSections, KAFKA_INPUT_HEADER_BYTES, endOfBatches, inflatedSections, inputConverter, packAbiInput, packKafkaInput, requestKafkaOutput, type InflatedBatches, type KafkaOutputOptions } from '../../../broker/smartmodules/kafka-input.js';
import { abiToRecordBatch, outputRecordSet } from '../../../broker/smartmodules/abi-to-kafka.js';
import { AbiBatchBuilder, KafkaRecordCursor } from '../../../broker/smartmodules/abi-kafka.js';
import { CONVERTER_INFLATED_BATCHES_MAX_BYTES, CONVERTER_INFLATED_BATCHES_MAX_COUNT } from '../../../broker/constants.js';
import { controlSpanBatch } from '../../../broker/smartmodules/kafka-batches.js';
import { Compression, buildRecordBatch, decodeRecords, iterateBatches, parseBatchHeader, recordsSection, withRecordsSection } from '../../../broker/protocol/record-batch.js';
import { compressRecords } from '../../../broker/protocol/codecs/index.js';
import { KafkaError } from '../../../broker/protocol/errors.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { compiledFile } from '../../../runtime/sandbox/worker-path.js';
import { ABI_ERROR, BatchBuffers, InlineRunner, SandboxError, SandboxPool, decodeBatch, loadModule, type ModuleHandle } from '../../../runtime/index.js';
import { BAD_OUTPUT_PROCESS, abiModule } from '../../runtime/wat-modules.js';
import { exampleModule } from '../../runtime/sandbox/fixtures.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Kafka batches of random records at consecutive offsets from `base`, some compressed. */
const batchesArb = fc
  .tuple(
    fc.array(fc.tuple(fc.array(recordArb, { minLength: 1, maxLength: 12 }), fc.constantFrom(Compression.none, Compression.gzip)), { minLength: 1, maxLength: 5 }),
    fc.bigInt({ min: 0n, max: 2n ** 40n }),
  )
  .map(([groups, base]) => {
    let offset = base;
    const batches = groups.map(([records, compression]) => {
      const b = buildRecordBatch(records, { compression, baseOffset: offset });
      offset += BigInt(records.length);
      return b;
    });
    return { batches, base, end: offset };
  });

const plain = plainRecord;

/** Reads batches from `from` the way a view does: pack from the batch holding the scan position, convert, resume. */
function scan(batches: Uint8Array[], from: bigint, maxRecords: number, maxInputBytes: number, inflated?: InflatedBatches): { records: ReturnType<typeof plain>[]; calls: number; next: bigint } {
  const buffers = new BatchBuffers();
  const out: ReturnType<typeof plain>[] = [];
  let scanned = from;
  let i = 0;
  let calls = 0;
  while (i < batches.length) {
    if (endOfBatches(batches, i + 1) <= scanned) {
      i++;
      continue;
    }
    const { input, batches: n } = packKafkaInput(batches, i, scanned, maxRecords, Number.MAX_SAFE_INTEGER >>> 0, maxInputBytes, buffers, inflated);
    expect(n).toBeGreaterThan(0);
    const converted = inputConverter.convert(input);
    calls++;
    const records = decodeBatch(converted.abi);
    inputConverter.release(converted.abi);
    expect(records).toHaveLength(converted.records);
    expect(converted.records).toBeLessThanOrEqual(maxRecords);
    expect(converted.resumeAt).toBeGreaterThan(scanned);
    expect(converted.resumeAt).toBeLessThanOrEqual(endOfBatches(batches, i + n));
    out.push(...records.map(plain));
    scanned = converted.resumeAt;
    buffers.give(input);
  }
  return { records: out, calls, next: scanned };
}

describe('a view input of Kafka batches', () => {
  it('gives every record from the fetch offset on, once and in order, whatever the call bounds and codecs', () => {
    fc.assert(
      fc.property(batchesArb, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2000 }), fc.nat(), ({ batches, base, end }, perCall, inputBytes, skip) => {
        const from = base + BigInt(skip) % (end - base);
        const expected = batches.flatMap((b) => decodeRecords(b)).filter((r) => r.offset >= from).map(plain);
        // Input bounds below a batch's size cut it into windows; with the fetch's cache the windows
        // walk on from the last one.
        for (const inflated of [undefined, new WeakMap() as InflatedBatches]) {
          const got = scan(batches, from, perCall, KAFKA_INPUT_HEADER_BYTES + inputBytes, inflated);
          expect(got.records).toEqual(expected);
          expect(got.next).toBe(end);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('packs as many whole batches as fit its byte bound, and always the first', () => {
    const value = new Uint8Array(100).fill(7);
    const batches = [0n, 10n, 20n].map((base) => buildRecordBatch(Array.from({ length: 10 }, () => ({ key: null, value })), { baseOffset: base }));
    const buffers = new BatchBuffers();
    // A batch of 10 such records is ~1.1 KB: two fit 2.5 KB, one is packed even into 1 byte.
    expect(packKafkaInput(batches, 0, 0n, 100, 1 << 20, 2500, buffers).batches).toBe(2);
    expect(packKafkaInput(batches, 1, 10n, 100, 1 << 20, 1, buffers).batches).toBe(1);
    // Batches stop once they hold the records a call takes: 10 per batch, 15 wanted, two batches.
    expect(packKafkaInput(batches, 0, 0n, 15, 1 << 20, 1 << 20, buffers).batches).toBe(2);
    expect(packKafkaInput(batches, 0, 0n, 10, 1 << 20, 1 << 20, buffers).batches).toBe(1);
    const all = packKafkaInput(batches, 0, 0n, 100, 1 << 20, 1 << 20, buffers);
    expect(all.batches).toBe(3);
    const converted = inputConverter.convert(all.input);
    expect(converted.records).toBe(30);
    expect(decodeBatch(converted.abi).every((r) => r.value !== null && r.value.length === 100 && r.value[0] === 7)).toBe(true);
  });

  it('packs a compressed batch that fits as stored, for the worker to inflate, counting only its records from the offset on', () => {
    const value = new Uint8Array(100).fill(7);
    const batches = [0n, 10n].map((base) => buildRecordBatch(Array.from({ length: 10 }, () => ({ key: null, value })), { baseOffset: base, compression: Compression.gzip }));
    const inflated: InflatedBatches = new WeakMap();
    const { input, batches: n } = packKafkaInput(batches, 0, 0n, 100, 1 << 20, 1 << 20, new BatchBuffers(), inflated);
    expect(n).toBe(2);
    // The input is its header and the two batches byte for byte: the host inflated nothing.
    expect(input.byteLength).toBe(KAFKA_INPUT_HEADER_BYTES + batches[0]!.byteLength + batches[1]!.byteLength);
    expect(Buffer.from(input.subarray(KAFKA_INPUT_HEADER_BYTES)).equals(Buffer.concat(batches))).toBe(true);
    expect(inflated.get(batches[0]!)).toBeUndefined();
    // From offset 6 the first batch holds 4 records: with 12 wanted the second batch goes in too.
    expect(packKafkaInput(batches, 0, 6n, 12, 1 << 20, 1 << 20, new BatchBuffers()).batches).toBe(2);
    expect(packKafkaInput(batches, 0, 6n, 4, 1 << 20, 1 << 20, new BatchBuffers()).batches).toBe(1);
    const converted = inputConverter.convert(input);
    expect(decodeBatch(converted.abi).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
  });

  it('inflates a compressed batch its calls stop inside once, in the converter, and lets it go once walked to its end', () => {
    const batch = buildRecordBatch(Array.from({ length: 50 }, (_, i) => ({ key: null, value: enc(`record ${i}`) })), { baseOffset: 0n, compression: Compression.gzip });
    const buffers = new BatchBuffers();
    const { hits, kept } = inflatedSections;
    const size = inflatedSections.size;
    const offsets: bigint[] = [];
    let from = 0n;
    for (let call = 0; call < 3; call++) {
      const c = inputConverter.convert(packKafkaInput([batch], 0, from, 20, 1 << 20, 1 << 20, buffers).input);
      offsets.push(...decodeBatch(c.abi).map((r) => r.offset));
      inputConverter.release(c.abi);
      from = c.resumeAt;
    }
    expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
    expect(from).toBe(50n);
    // Kept after the first call, found by the second and third, dropped after the third.
    expect(inflatedSections.kept - kept).toBe(1);
    expect(inflatedSections.hits - hits).toBe(2);
    expect(inflatedSections.size).toBe(size);
  });

  it(`keeps at most ${CONVERTER_INFLATED_BATCHES_MAX_COUNT} inflated batches and ${CONVERTER_INFLATED_BATCHES_MAX_BYTES} inflated bytes, the oldest dropped first`, () => {
    const stopInside = (sections: InflatedSections, batch: Uint8Array, base: bigint): void => {
      const cursor = new KafkaRecordCursor([batch], base, sections);
      cursor.fill(new AbiBatchBuilder(new BatchBuffers()), 1, 1 << 20);
      sections.keep(cursor.stop!);
    };
    const small = Array.from({ length: CONVERTER_INFLATED_BATCHES_MAX_COUNT + 1 }, (_, b) =>
      buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ key: null, value: enc(`v${i}`) })), { baseOffset: BigInt(b * 10), compression: Compression.gzip }));
    const byCount = new InflatedSections();
    small.forEach((b, i) => stopInside(byCount, b, BigInt(i * 10)));
    expect(byCount.size).toBe(CONVERTER_INFLATED_BATCHES_MAX_COUNT);
    expect(byCount.find(small[0]!, parseBatchHeader(small[0]!), 1n)).toBeUndefined();
    // Found again at the record after the first taken, and from the start for an earlier offset.
    const last = small[small.length - 1]!;
    const lastBase = BigInt((small.length - 1) * 10);
    expect(byCount.find(last, parseBatchHeader(last), lastBase + 1n)).toMatchObject({ index: 1, offset: lastBase + 1n });
    expect(byCount.find(last, parseBatchHeader(last), lastBase)).toMatchObject({ index: 0, at: 0 });
    // A copy of a batch is the same batch: it is known by its bytes.
    expect(byCount.find(small[1]!.slice(), parseBatchHeader(small[1]!), 11n)).toMatchObject({ index: 1 });
    // Batches inflating to over a quarter of the byte bound each (zeros compress well): three fit, not four.
    const value = new Uint8Array(Math.ceil(CONVERTER_INFLATED_BATCHES_MAX_BYTES / 4 / 6) + 1);
    const big = Array.from({ length: 4 }, (_, b) => buildRecordBatch(Array.from({ length: 6 }, () => ({ key: null, value })), { baseOffset: BigInt(b * 6), compression: Compression.gzip }));
    const byBytes = new InflatedSections();
    big.forEach((b, i) => stopInside(byBytes, b, BigInt(i * 6)));
    expect(byBytes.size).toBe(3);
    expect(byBytes.find(big[0]!, parseBatchHeader(big[0]!), 1n)).toBeUndefined();
    expect(byBytes.find(big[3]!, parseBatchHeader(big[3]!), 19n)).toMatchObject({ index: 1 });
  });

  it('copies a batch too large for one input a window at a time, each within the input bound', () => {
    // Values that do not compress: the gzip batch is as large as the plain one, past the input bound.
    const noise = (): Uint8Array => randomBytes(200);
    for (const compression of [Compression.none, Compression.gzip]) {
      const batch = buildRecordBatch(Array.from({ length: 100 }, () => ({ key: null, value: noise() })), { baseOffset: 1000n, compression });
      const inflated: InflatedBatches = new WeakMap();
      const buffers = new BatchBuffers();
      const maxInput = 4096;
      let from = 1000n;
      const sizes: number[] = [];
      let taken = 0;
      while (from < 1100n) {
        const { input } = packKafkaInput([batch], 0, from, 1000, 1 << 20, maxInput, buffers, inflated);
        sizes.push(input.byteLength);
        const c = inputConverter.convert(input);
        inputConverter.release(c.abi);
        taken += c.records;
        from = c.resumeAt;
      }
      expect(taken).toBe(100);
      expect(from).toBe(1100n);
      // ~20 KB of records in inputs of at most 4 KiB: about one window per 19 records.
      expect(sizes.every((s) => s <= maxInput)).toBe(true);
      expect(sizes.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('passes over control batches and stops at the ABI byte bound, resuming at the next record', () => {
    const data = (base: bigint) => buildRecordBatch(Array.from({ length: 5 }, (_, i) => ({ key: null, value: enc(`v${base + BigInt(i)}`) })), { baseOffset: base });
    const batches = [data(0n), controlSpanBatch(5n, 5n, 0n), data(6n)];
    const buffers = new BatchBuffers();
    const whole = inputConverter.convert(packKafkaInput(batches, 0, 2n, 100, 1 << 20, 1 << 20, buffers).input);
    expect(decodeBatch(whole.abi).map((r) => r.offset)).toEqual([2n, 3n, 4n, 6n, 7n, 8n, 9n, 10n]);
    expect(whole.resumeAt).toBe(11n);
    // Each record here is ~34 ABI bytes: a bound of 40 stops after the second.
    const bounded = inputConverter.convert(packKafkaInput(batches, 0, 2n, 100, 40, 1 << 20, buffers).input);
    expect(bounded.records).toBe(2);
    expect(bounded.resumeAt).toBe(4n);
  });

  it('refuses a batch whose records lie about their lengths as CORRUPT_MESSAGE', () => {
    const batch = buildRecordBatch([{ key: null, value: new Uint8Array(10) }], { baseOffset: 0n });
    batch[61] = 0x7e; // the first record's length varint: far more than is there
    const { input } = packKafkaInput([batch], 0, 0n, 10, 1 << 20, 1 << 20, new BatchBuffers());
    expect(() => inputConverter.convert(input)).toThrow(KafkaError);
    try {
      inputConverter.convert(input);
    } catch (err) {
      expect((err as KafkaError).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
    // A batch that claims more bytes than the input holds.
    const cut = input.subarray(0, input.length - 3);
    expect(() => inputConverter.convert(cut)).toThrow(/claims to end/);
  });
});

describe('converted calls', () => {
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ level: i % 100 === 0 ? 'error' : 'info', n: i }));
  const batches = [0n, 100n, 200n].map((base) => buildRecordBatch(lines.slice(Number(base), Number(base) + 100).map((v) => ({ key: null, value: enc(v) })), { baseOffset: base }));
  const converterUrl = pathToFileURL(compiledFile(new URL('../../../broker/smartmodules/kafka-input.ts', import.meta.url).href, 'kafka-input.js', 'broker/smartmodules')).href;
  let pool: SandboxPool;
  let filter: ModuleHandle;

  beforeAll(async () => {
    pool = await SandboxPool.start({ threads: 1, inputConverter: converterUrl });
    filter = pool.register(await exampleModule('json-filter'), { params: { field: 'level', value: 'error' } });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('run the module over the converted records in the sandbox, and say what the input held and where to resume', async () => {
    const { input } = packKafkaInput(batches, 0, 50n, 1000, 1 << 20, 1 << 20, new BatchBuffers());
    const out = await pool.run(filter, input, null, { convert: true });
    expect(decodeBatch(out.output).map((r) => r.offset)).toEqual([100n, 200n]);
    expect(out.converted).toEqual({ records: 250, resumeAt: 300n });
  });

  it('inflate batches of every codec in the worker, across calls that stop inside them', async () => {
    for (const codec of [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
      const plainBatch = buildRecordBatch(lines.map((v) => ({ key: null, value: enc(v) })), { baseOffset: 1000n });
      const batch = withRecordsSection(plainBatch, codec, await compressRecords(codec, recordsSection(plainBatch, parseBatchHeader(plainBatch), 1 << 20)));
      const kept: bigint[] = [];
      let from = 1000n;
      while (from < 1300n) {
        const { input } = packKafkaInput([batch], 0, from, 64, 1 << 20, 1 << 20, new BatchBuffers());
        expect(input.byteLength).toBe(KAFKA_INPUT_HEADER_BYTES + batch.byteLength);
        const out = await pool.run(filter, input, null, { convert: true });
        kept.push(...decodeBatch(out.output).map((r) => r.offset));
        from = out.converted!.resumeAt;
      }
      expect(kept).toEqual([1000n, 1100n, 1200n]);
    }
  });

  it('fail as kind input when the converter refuses the bytes, and the worker serves the next call', async () => {
    const bad = packKafkaInput([batches[0]!], 0, 0n, 1000, 1 << 20, 1 << 20, new BatchBuffers()).input.slice(0, 40);
    await expect(pool.run(filter, bad, null, { convert: true })).rejects.toSatisfy((e: unknown) => e instanceof SandboxError && e.kind === 'input');
    const { input } = packKafkaInput(batches, 2, 200n, 1000, 1 << 20, 1 << 20, new BatchBuffers());
    expect((await pool.run(filter, input, null, { convert: true })).converted?.records).toBe(100);
  });

  it('are refused as bad-input by a pool without a converter, and by one whose converter does not load, which serves plain calls', async () => {
    const bare = await SandboxPool.start({ threads: 1 });
    const broken = await SandboxPool.start({ threads: 1, inputConverter: pathToFileURL('/nonexistent/converter.js').href });
    try {
      const { input } = packKafkaInput(batches, 0, 0n, 1000, 1 << 20, 1 << 20, new BatchBuffers());
      const module = await exampleModule('json-filter');
      await expect(bare.run(bare.register(module), input.slice(), null, { convert: true })).rejects.toSatisfy((e: unknown) => e instanceof SandboxError && e.kind === 'bad-input');
      const h = broken.register(module, { params: { field: 'level', value: 'error' } });
      await expect(broken.run(h, input.slice(), null, { convert: true })).rejects.toThrow(/did not load/);
      const plainInput = inputConverter.convert(input.slice());
      expect(decodeBatch((await broken.run(h, plainInput.abi.slice())).output).map((r) => r.offset)).toEqual([0n, 100n, 200n]);
    } finally {
      await bare.close();
      await broken.close();
    }
  });

  it('give back the module output as the Kafka batch the host would build, made in the worker, when the input asks', async () => {
    const map = pool.register(await exampleModule('json-map'), { params: { fields: 'n' } });
    const inline = new InlineRunner({ inputConverter });
    const inlineMap = inline.register(await exampleModule('json-map'), { params: { fields: 'n' } });
    const cases = [
      { from: 50n, options: {} },
      { from: 0n, options: { baseOffset: 0n, lastOffset: 299n, producerId: 7n, producerEpoch: 2, baseSequence: 40, transactional: true } },
    ];
    for (const { from, options } of cases) {
      const abi = await pool.run(map, packKafkaInput(batches, 0, from, 1000, 1 << 20, 1 << 20, new BatchBuffers()).input, null, { convert: true });
      const expected = abiToRecordBatch(abi.output, options).batch!;
      for (const runner of [{ run: () => pool.run(map, asKafka(from, options), null, { convert: true }) }, { run: () => inline.run(inlineMap, asKafka(from, options), null, { convert: true }) }]) {
        const out = await runner.run();
        expect(Buffer.from(out.output).equals(Buffer.from(expected))).toBe(true);
        expect(out.converted).toEqual(abi.converted);
      }
    }
    // A filter that keeps nothing gives back no batch at all.
    const none = pool.register(await exampleModule('json-filter'), { params: { field: 'level', value: 'none-such' } });
    expect((await pool.run(none, asKafka(0n, {}), null, { convert: true })).output.byteLength).toBe(0);

    function asKafka(from: bigint, options: KafkaOutputOptions): Uint8Array {
      const { input } = packKafkaInput(batches, 0, from, 1000, 1 << 20, 1 << 20, new BatchBuffers());
      requestKafkaOutput(input, options);
      return input;
    }
  });

  it('give back a derived topic\'s record set, renumbered and cut into batches of the bytes asked, as the host would make it', async () => {
    const map = pool.register(await exampleModule('json-map'), { params: { fields: 'n' } });
    const abi = await pool.run(map, packKafkaInput(batches, 0, 0n, 1000, 1 << 20, 1 << 20, new BatchBuffers()).input, null, { convert: true });
    for (const batchBytes of [1 << 20, 2000]) {
      const { input } = packKafkaInput(batches, 0, 0n, 1000, 1 << 20, 1 << 20, new BatchBuffers());
      requestKafkaOutput(input, { renumberInBatchesOf: batchBytes });
      const out = await pool.run(map, input, null, { convert: true });
      expect(Buffer.from(out.output).equals(Buffer.from(outputRecordSet(abi.output, batchBytes)!))).toBe(true);
      const got = [...iterateBatches(out.output)];
      expect(got.length > 1).toBe(batchBytes === 2000);
      for (const b of got) {
        expect(b.bytes.byteLength).toBeLessThanOrEqual(batchBytes);
        expect(decodeRecords(b.bytes).map((r) => r.offset)).toEqual([...Array(b.header.recordCount).keys()].map(BigInt));
      }
      expect(got.reduce((n, b) => n + b.header.recordCount, 0)).toBe(300);
    }
  });

  it('give a later pipeline module its ABI batch as it is and its record set back, in the worker and inline', async () => {
    const map = await exampleModule('json-map');
    const inline = new InlineRunner({ inputConverter });
    const abi = (await pool.run(pool.register(map, { params: { fields: 'n,msg' } }), packKafkaInput(batches, 0, 0n, 1000, 1 << 20, 1 << 20, new BatchBuffers()).input, null, { convert: true })).output.slice();
    for (const runner of [pool, inline]) {
      const second = runner.register(map, { params: { fields: 'n' } });
      const expected = outputRecordSet((await runner.run(second, abi.slice(), null)).output, 2000)!;
      const input = packAbiInput(abi, new BatchBuffers());
      requestKafkaOutput(input, { renumberInBatchesOf: 2000 });
      const out = await runner.run(second, input, null, { convert: true });
      expect(Buffer.from(out.output).equals(Buffer.from(expected))).toBe(true);
      expect(out.converted?.records).toBe(300);
      // Such an input's output is a record set or its ABI batch: a batch at its offsets has none to keep.
      const asBatch = packAbiInput(abi, new BatchBuffers());
      requestKafkaOutput(asBatch, {});
      await expect(runner.run(second, asBatch, null, { convert: true })).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('an ABI input\'s output can only be a renumbered record set') });
      const plain = await runner.run(second, packAbiInput(abi, new BatchBuffers()), null, { convert: true });
      expect(decodeBatch(plain.output).length).toBe(300);
    }
    // The converter keeps nothing of an input it passed on: the next conversion builds its own batch.
    const converted = inputConverter.convert(packAbiInput(abi, new BatchBuffers()));
    inputConverter.release(converted.abi);
    const next = inputConverter.convert(packKafkaInput(batches, 0, 0n, 1000, 1 << 20, 1 << 20, new BatchBuffers()).input);
    expect(next.abi.buffer).not.toBe(converted.abi.buffer);
    inputConverter.release(next.abi);
  });

  it('fail as the module\'s bad output (guest-error) when its output is malformed, or leaves its input\'s offsets when a Kafka batch is asked, in the worker and inline', async () => {
    const truncated = await loadModule(abiModule({ kind: 2, process: BAD_OUTPUT_PROCESS.truncated }));
    const moved = await loadModule(abiModule({ kind: 2, process: BAD_OUTPUT_PROCESS.moved }));
    const inline = new InlineRunner({ inputConverter });
    const failure = async (runner: SandboxPool | InlineRunner, h: ModuleHandle, kafka: boolean): Promise<unknown> => {
      const { input } = packKafkaInput(batches, 1, 100n, 1, 1 << 20, 1 << 20, new BatchBuffers());
      if (kafka) requestKafkaOutput(input);
      return runner.run(h, input, null, { convert: true }).then(() => null, (e: unknown) => e);
    };
    for (const runner of [pool, inline]) {
      // A malformed output is refused by the runtime itself, whatever the caller asked back.
      const t = runner.register(truncated);
      for (const kafka of [true, false]) {
        const err = await failure(runner, t, kafka);
        expect(err).toBeInstanceOf(SandboxError);
        expect(err).toMatchObject({ kind: 'guest-error', code: ABI_ERROR.BAD_OUTPUT });
        expect((err as Error).message).toMatch(/output batch: record \d+: /);
      }
      // Offsets are the converter's business: out of place, they fail only a Kafka batch.
      const m = runner.register(moved);
      const err = await failure(runner, m, true);
      expect(err).toMatchObject({ kind: 'guest-error', code: ABI_ERROR.BAD_OUTPUT });
      expect((err as Error).message).toMatch(/outside its input's 100\.\.100/);
      expect(await failure(runner, m, false)).toBeNull();
    }
  });

  it('run on the calling thread in an inline runner given the converter, with the same answer', async () => {
    const inline = new InlineRunner({ inputConverter });
    const h = inline.register(await exampleModule('json-filter'), { params: { field: 'level', value: 'error' } });
    const { input } = packKafkaInput(batches, 0, 50n, 1000, 1 << 20, 1 << 20, new BatchBuffers());
    const out = await inline.run(h, input, null, { convert: true });
    expect(decodeBatch(out.output).map((r) => r.offset)).toEqual([100n, 200n]);
    expect(out.converted).toEqual({ records: 250, resumeAt: 300n });
    await expect(new InlineRunner().run(h, input, null, { convert: true })).rejects.toSatisfy((e: unknown) => e instanceof SandboxError && e.kind === 'bad-input');
  });
});
