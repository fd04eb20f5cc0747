/** Source records read again by offset: what a failed call is halved over (views, pipelines). */
import type { HostRecord } from '../../runtime/index.js';
import { VIEW_SOURCE_READ_MAX_BYTES } from '../constants.js';
import type { Log } from '../log/index.js';
import { decodeRecords, isControlBatch, parseBatchHeader } from '../protocol/record-batch.js';

/**
 * Failures that belong to records (a retry of the same records fails the same way), worth
 * halving a failed call over: a module's trap, error, output or memory, and an input too large
 * for a module call ('input' from a converter, 'bad-input' from the runner).
 */
export const RECORD_FAILURES: ReadonlySet<string> = new Set(['trap', 'guest-error', 'output-too-large', 'memory-limit', 'input', 'bad-input']);

/** The records of `topic`-`partition` with offsets in [first, last], decoded (control records left out), the first `maxRecords` of them. */
export async function recordsBetween(
  log: Pick<Log, 'read'>, topic: string, partition: number, first: bigint, last: bigint, maxRecords = Number.POSITIVE_INFINITY,
): Promise<HostRecord[]> {
  const out: HostRecord[] = [];
  let next = first;
  while (next <= last && out.length < maxRecords) {
    const read = await log.read(topic, partition, next, VIEW_SOURCE_READ_MAX_BYTES);
    if (read.records.length === 0) break;
    for (const batch of read.records) {
      const header = parseBatchHeader(batch);
      const end = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
      if (!isControlBatch(header.attributes)) for (const r of decodeRecords(batch)) if (r.offset >= next && r.offset <= last) out.push(r);
      if (end > next) next = end;
    }
  }
  return out.length > maxRecords ? out.slice(0, maxRecords) : out;
}

/**
 * The records a failed call over the input spanning `first`..`last` took: at most `maxRecords`
 * from `first` (what the converter would have handed the module), and the offset after them,
 * where reading goes on.
 */
export async function takenRecords(
  log: Pick<Log, 'read'>, topic: string, partition: number, first: bigint, last: bigint, maxRecords: number,
): Promise<{ records: HostRecord[]; end: bigint }> {
  const all = await recordsBetween(log, topic, partition, first, last, maxRecords + 1);
  if (all.length <= maxRecords) return { records: all, end: last + 1n };
  const records = all.slice(0, maxRecords);
  return { records, end: records[records.length - 1]!.offset + 1n };
}
