// Views hand the sandbox Kafka batches as stored; its input converter makes the ABI batch beside
// the module. These check the packing and the conversion against the host-side cursor, and what
// the pool and the inline runner do with converted calls.
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainRecord, recordArb } from '../../helpers/record-arbitraries.js';
import { KAFKA_INPUT_HEADER_BYTES, endOfBatches, inputConverter, packKafkaInput, type InflatedBatches } from '../../../broker/smartmodules/kafka-input.js';
import { controlSpanBatch } from '../../../broker/smartmodules/kafka-batches.js';
import { Compression, buildRecordBatch, decodeRecords } from '../../../broker/protocol/record-batch.js';
import { KafkaError } from '../../../broker/protocol/errors.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { compiledFile } from '../../../runtime/sandbox/worker-path.js';
import { BatchBuffers, InlineRunner, SandboxError, SandboxPool, decodeBatch, type ModuleHandle } from '../../../runtime/index.js';
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

  it('packs as many whole batches as fit its byte bound, and always the first, inflated', () => {
    const value = new Uint8Array(100).fill(7);
    const batches = [0n, 10n, 20n].map((base) => buildRecordBatch(Array.from({ length: 10 }, () => ({ key: null, value })), { baseOffset: base, compression: Compression.gzip }));
    const buffers = new BatchBuffers();
    // A gzip batch of 10 such records is small; inflated it is ~1.1 KB: two fit 2.5 KB, one is packed even into 1 byte.
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

  it('inflates a compressed batch packed into several calls once, given the fetch\'s cache', () => {
    const batch = buildRecordBatch(Array.from({ length: 50 }, (_, i) => ({ key: null, value: enc(`record ${i}`) })), { baseOffset: 0n, compression: Compression.gzip });
    const inflated: InflatedBatches = new WeakMap();
    const buffers = new BatchBuffers();
    const first = inputConverter.convert(packKafkaInput([batch], 0, 0n, 20, 1 << 20, 1 << 20, buffers, inflated).input);
    const section = inflated.get(batch)?.records;
    expect(section).toBeInstanceOf(Uint8Array);
    const second = inputConverter.convert(packKafkaInput([batch], 0, first.resumeAt, 20, 1 << 20, 1 << 20, buffers, inflated).input);
    // The same inflated section served the second call: nothing was inflated again.
    expect(inflated.get(batch)?.records).toBe(section);
    expect([first.records, first.resumeAt, second.records, second.resumeAt]).toEqual([20, 20n, 20, 40n]);
  });

  it('copies a batch too large for one input a window at a time, each within the input bound', () => {
    const value = new Uint8Array(200).fill(3);
    const batch = buildRecordBatch(Array.from({ length: 100 }, () => ({ key: null, value })), { baseOffset: 1000n, compression: Compression.gzip });
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
