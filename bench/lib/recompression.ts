/**
 * What recompression on produce costs (a topic whose compression.type differs from the batches a
 * producer sends): per MiB of records, recompressRecordSet (inflate, compress, new header and CRC)
 * against a plain compress of the same records sections with the same library in the same run.
 * The ratio is what the broker adds over the codec itself; ms per MiB is the codec's price.
 */
import { Bench } from 'tinybench';
import { Compression, compressRecords, compressionName } from '../../broker/protocol/codecs/index.js';
import { RECORD_BATCH_HEADER_BYTES, buildRecordBatch, concatRecordSet, type RecordInput } from '../../broker/protocol/record-batch.js';
import { recompressRecordSet } from '../../broker/protocol/recompress.js';
import { formatNumber, medianBy } from './stats.js';

const MIB = 1024 ** 2;
/** Records per batch and batches per iteration: a 16-record batch as kafkajs sends it, 1 MiB of records per iteration. */
const RECORDS_PER_BATCH = 16;
const ITERATION_RECORD_BYTES = MIB;
const ROUNDS = 3;
const TARGETS = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const;

export interface RecompressionCase {
  from: string;
  to: string;
  /** Records bytes (uncompressed) per iteration, and the record set's bytes as produced. */
  recordBytes: number;
  producedBytes: number;
  storedBytes: number;
  recompressMsPerMiB: number;
  /** Plain compress of the same sections (uncompressed when the target is none: a copy). */
  baselineMsPerMiB: number;
  ratio: number;
  samples: { recompress: number; baseline: number };
}

/** JSON log lines, deterministic and as compressible as real ones (random filler would flatter no codec). */
function jsonRecords(count: number, seed: number): RecordInput[] {
  const levels = ['info', 'warn', 'error', 'debug'];
  return Array.from({ length: count }, (_, i) => {
    const n = (seed * 7919 + i * 104_729) % 1_000_003;
    const value = JSON.stringify({
      ts: 1_700_000_000_000 + n,
      level: levels[n % 4],
      user: `user-${n % 977}`,
      path: `/api/v1/orders/${n % 10_007}/items`,
      status: [200, 201, 404, 500][n % 4],
      latencyMs: (n % 997) / 10,
      msg: `request ${n} handled by worker ${n % 16} after ${n % 13} retries`.repeat(8),
    });
    return { key: new TextEncoder().encode(`k${n % 64}`), value: new TextEncoder().encode(value), timestampMs: BigInt(1_700_000_000_000 + i) };
  });
}

/** Batches of JSON records in `codec` until they hold ITERATION_RECORD_BYTES of records. */
function producedBatches(codec: typeof Compression.none | typeof Compression.gzip): { batches: Uint8Array[]; sections: Uint8Array[] } {
  const batches: Uint8Array[] = [];
  const sections: Uint8Array[] = [];
  for (let seed = 1, bytes = 0; bytes < ITERATION_RECORD_BYTES; seed++) {
    const records = jsonRecords(RECORDS_PER_BATCH, seed);
    const plain = buildRecordBatch(records, { producerId: 7n, producerEpoch: 0, baseSequence: seed * RECORDS_PER_BATCH });
    sections.push(plain.subarray(RECORD_BATCH_HEADER_BYTES));
    batches.push(codec === Compression.none ? plain : buildRecordBatch(records, { compression: codec, producerId: 7n, producerEpoch: 0, baseSequence: seed * RECORDS_PER_BATCH }));
    bytes += plain.byteLength - RECORD_BATCH_HEADER_BYTES;
  }
  return { batches, sections };
}

export async function benchRecompression(log: (line: string) => void): Promise<RecompressionCase[]> {
  const out: RecompressionCase[] = [];
  for (const from of [Compression.none, Compression.gzip] as const) {
    const { batches, sections } = producedBatches(from);
    const recordSet = concatRecordSet(batches);
    const recordBytes = sections.reduce((n, s) => n + s.byteLength, 0);
    for (const to of TARGETS) {
      if (to === from) continue;
      const stored = await recompressRecordSet(recordSet.slice(), to);
      // Rounds in alternating order, the median round reported: two shared cores make one pair noisy.
      const rounds: RecompressionCase[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const bench = new Bench({ time: 1000, iterations: 5, warmupIterations: 2 });
        const tasks: [string, () => Promise<void>][] = [
          ['recompress', async () => void (await recompressRecordSet(recordSet, to))],
          ['baseline', async () => {
            if (to === Compression.none) for (const s of sections) s.slice();
            else await Promise.all(sections.map((s) => compressRecords(to, s)));
          }],
        ];
        for (const [name, fn] of round % 2 === 0 ? tasks : tasks.reverse()) bench.add(name, fn);
        await bench.run();
        const r = (name: string) => {
          const res = bench.tasks.find((t) => t.name === name)!.result;
          if (res.state !== 'completed') throw new Error(`recompression bench ${name}: ${res.state}`);
          return res.latency;
        };
        const perMiB = (ms: number) => ms / (recordBytes / MIB);
        const recompress = r('recompress');
        const baseline = r('baseline');
        rounds.push({
          from: compressionName(from),
          to: compressionName(to),
          recordBytes,
          producedBytes: recordSet.byteLength,
          storedBytes: stored.byteLength,
          recompressMsPerMiB: perMiB(recompress.mean),
          baselineMsPerMiB: perMiB(baseline.mean),
          ratio: recompress.mean / baseline.mean,
          samples: { recompress: recompress.samplesCount, baseline: baseline.samplesCount },
        });
      }
      const c = medianBy(rounds, (x) => x.ratio);
      log(`recompression ${c.from} -> ${c.to}: ${formatNumber(c.recompressMsPerMiB, 2)} ms/MiB, baseline ${formatNumber(c.baselineMsPerMiB, 2)} ms/MiB, ratio ${formatNumber(c.ratio, 2)}`);
      out.push(c);
    }
  }
  return out;
}

export function renderRecompression(cases: RecompressionCase[]): string[] {
  return [
    '',
    '## Recompression on produce',
    '',
    `A topic whose compression.type names a codec recompresses batches produced in another. Per MiB of records (${RECORDS_PER_BATCH} JSON records of ~1 KiB per batch, 1 MiB per iteration, every batch of a record set at once as a produce request does; median of ${ROUNDS} rounds in alternating order), recompressRecordSet against a plain compress of the same records sections with the same library (for a target of none: a copy of them), in the same run. Times are wall clock with the libraries on libuv's thread pool.`,
    '',
    '| produced | stored | recompress ms/MiB | plain compress ms/MiB | ratio | bytes produced → stored |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...cases.map(
      (c) =>
        `| ${c.from} | ${c.to} | ${formatNumber(c.recompressMsPerMiB, 2)} | ${formatNumber(c.baselineMsPerMiB, 2)} | ${formatNumber(c.ratio, 2)} × | ${c.producedBytes} → ${c.storedBytes} |`,
    ),
  ];
}
