import { Reader } from '../reader.js';
import { corrupt, inflatesPastBound } from './errors.js';
import { lazyRequire } from './lazy-require.js';

/*
 * Kafka snappy records come in two shapes:
 *
 * xerial framing (the Java client; librdkafka reads it too) =>
 *   magic 8 bytes ("\x82SNAPPY\0")  version INT32  compatibleVersion INT32
 *   [chunkLength INT32  chunk (raw snappy, chunkLength bytes)] until the end
 *
 * raw snappy (librdkafka's producer) => one block
 *
 * Every raw block starts with its inflated length as an unsigned varint, so the bound is checked
 * on the declared lengths before anything is inflated, and the output is allocated once.
 */

const snappy = lazyRequire<typeof import('snappy')>('snappy', 'snappy');

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;

function isXerial(body: Uint8Array): boolean {
  return body.byteLength >= XERIAL_MAGIC.length && XERIAL_MAGIC.every((b, i) => body[i] === b);
}

/** The raw snappy blocks of a records section: the xerial chunks, or the whole section. */
function snappyBlocks(body: Uint8Array): Uint8Array[] {
  if (!isXerial(body)) return [body];
  if (body.byteLength < XERIAL_HEADER_BYTES) throw corrupt(`xerial snappy header truncated: ${body.byteLength} of ${XERIAL_HEADER_BYTES} bytes`);
  // version and compatibleVersion: every writer sends 1 and 1, and readers (Java's included) ignore them.
  const r = new Reader(body, XERIAL_HEADER_BYTES);
  const blocks: Uint8Array[] = [];
  while (r.remaining > 0) {
    const length = r.int32();
    if (length <= 0 || length > r.remaining) throw corrupt(`xerial snappy chunk of ${length} bytes at byte ${r.offset - 4}, ${r.remaining} left`);
    blocks.push(r.raw(length));
  }
  return blocks;
}

export function inflateSnappy(body: Uint8Array, maxBytes: number): Uint8Array {
  const blocks = snappyBlocks(body);
  const declared = blocks.map((block) => new Reader(block).uvarint());
  const total = declared.reduce((sum, n) => sum + n, 0);
  if (total > maxBytes) throw inflatesPastBound('snappy', total, maxBytes);

  const lib = snappy();
  const out = blocks.length === 1 ? undefined : new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < blocks.length; i++) {
    let part: Buffer;
    try {
      // copyOutputData: a V8-heap copy costs ~0.3 ms per 730 KiB; handing over Rust's buffer as an external one costs ~1.9 ms.
      part = lib.uncompressSync(blocks[i]!, { asBuffer: true, copyOutputData: true }) as Buffer;
    } catch (err) {
      throw corrupt(`snappy block ${i} does not inflate: ${(err as Error).message}`, err);
    }
    if (part.byteLength !== declared[i]) throw corrupt(`snappy block ${i} inflated to ${part.byteLength} bytes, declared ${declared[i]}`);
    if (out === undefined) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    out.set(part, at);
    at += part.byteLength;
  }
  return out ?? new Uint8Array(0);
}
