import { corrupt, inflatesPastBound } from './errors.js';
import { lazyRequire } from './lazy-require.js';

/*
 * LZ4 frame (KIP-57: RecordBatch v2 carries a standard frame, header checksum included), little-endian =>
 *   magic UINT32 (0x184D2204)
 *   FLG UINT8      bits 7-6 version (01), 5 block independence, 4 block checksum, 3 content size,
 *                  2 content checksum, 1 reserved, 0 dictionary id
 *   BD UINT8       bits 6-4 block maximum size (4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB), others reserved
 *   [contentSize UINT64]  [dictionaryId UINT32]
 *   HC UINT8       second byte of xxh32(FLG .. dictionaryId)
 *   blocks =>  size UINT32 (bit 31: stored uncompressed)  data  [blockChecksum UINT32]
 *   endMark UINT32 (0)  [contentChecksum UINT32 = xxh32(content)]
 *
 * We walk the frame's structure (what lz4-napi does not check: the end mark, trailing bytes) and bound
 * its output before it is inflated; lz4-napi (lz4_flex) inflates and checks HC and both checksums.
 */

const lz4 = lazyRequire<typeof import('lz4-napi')>('lz4-napi', 'lz4');

const LZ4_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICTIONARY_ID = 0x01;
const BD_RESERVED = 0x8f;
/** Block maximum sizes by BD bits 6-4; 0-3 are reserved. */
const BLOCK_MAX_BYTES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const BLOCK_UNCOMPRESSED = 0x80000000;
/** An LZ4 sequence's match is at least this long; its token stores the length minus this. */
const MIN_MATCH_BYTES = 4;

interface FrameLayout {
  /** What the frame inflates to at most: stored blocks exactly, compressed blocks at the block maximum. */
  upperBytes: number;
  storedBytes: number;
  compressedBlocks: Uint8Array[];
  blockMaxBytes: number;
}

function walkFrame(body: Uint8Array, maxBytes: number): FrameLayout {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const need = (pos: number, n: number, what: string): void => {
    if (pos + n > body.byteLength) throw corrupt(`LZ4 frame truncated: ${what} needs ${n} bytes at byte ${pos}, ${body.byteLength - pos} left`);
  };
  need(0, 7, 'the frame header');
  const magic = view.getUint32(0, true);
  if (magic !== LZ4_MAGIC) throw corrupt(`not an LZ4 frame: magic 0x${magic.toString(16)}`);
  const flg = body[4]!;
  const bd = body[5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01 || (flg & FLG_RESERVED) !== 0 || (bd & BD_RESERVED) !== 0) {
    throw corrupt(`LZ4 frame descriptor FLG 0x${flg.toString(16)} BD 0x${bd.toString(16)} is not version 01 or sets reserved bits`);
  }
  if (flg & FLG_DICTIONARY_ID) throw corrupt('LZ4 frame needs a dictionary, which Kafka never uses');
  const blockMaxBytes = BLOCK_MAX_BYTES[(bd >> 4) & 7]!;
  if (blockMaxBytes === 0) throw corrupt(`LZ4 frame block maximum size code ${(bd >> 4) & 7} is reserved`);
  let pos = 6;
  if (flg & FLG_CONTENT_SIZE) {
    need(pos, 9, 'the content size');
    const contentBytes = view.getUint32(pos + 4, true) * 2 ** 32 + view.getUint32(pos, true);
    if (contentBytes > maxBytes) throw inflatesPastBound('lz4', contentBytes, maxBytes);
    pos += 8;
  }
  pos += 1; // HC: lz4_flex checks it

  const blockChecksumBytes = flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
  const compressedBlocks: Uint8Array[] = [];
  let storedBytes = 0;
  for (;;) {
    need(pos, 4, 'a block size or the end mark');
    const word = view.getUint32(pos, true);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
    if (size > blockMaxBytes) throw corrupt(`LZ4 block of ${size} bytes at byte ${pos - 4} exceeds the frame's ${blockMaxBytes}-byte block maximum`);
    need(pos, size + blockChecksumBytes, 'a block');
    if (word & BLOCK_UNCOMPRESSED) storedBytes += size;
    else compressedBlocks.push(body.subarray(pos, pos + size));
    pos += size + blockChecksumBytes;
  }
  if (flg & FLG_CONTENT_CHECKSUM) {
    need(pos, 4, 'the content checksum');
    pos += 4;
  }
  // Kafka writes one frame per batch; lz4-napi would silently ignore whatever follows it.
  if (pos !== body.byteLength) throw corrupt(`${body.byteLength - pos} bytes after the LZ4 frame's end`);
  return { upperBytes: storedBytes + compressedBlocks.length * blockMaxBytes, storedBytes, compressedBlocks, blockMaxBytes };
}

/** A sequence length whose 4-bit field is 15 goes on in the next bytes, each 255 continuing it. */
function extendLength(base: number, block: Uint8Array, pos: number): { value: number; pos: number } {
  let value = base;
  let b: number;
  do {
    if (pos >= block.byteLength) throw corrupt('LZ4 block ends inside a length');
    b = block[pos++]!;
    value += b;
  } while (b === 255);
  return { value, pos };
}

/** Bytes an LZ4 block inflates to, counted from its sequences without inflating it. */
function blockInflatedBytes(block: Uint8Array): number {
  let pos = 0;
  let bytes = 0;
  for (;;) {
    if (pos >= block.byteLength) throw corrupt('LZ4 block ends before its last literals');
    const token = block[pos++]!;
    let literals = token >>> 4;
    if (literals === 15) ({ value: literals, pos } = extendLength(literals, block, pos));
    pos += literals;
    bytes += literals;
    if (pos > block.byteLength) throw corrupt('LZ4 literals run past the end of their block');
    if (pos === block.byteLength) return bytes; // the last sequence is literals only
    if (pos + 2 > block.byteLength) throw corrupt('LZ4 block ends inside a sequence');
    pos += 2; // match offset
    let match = token & 15;
    if (match === 15) ({ value: match, pos } = extendLength(match, block, pos));
    bytes += match + MIN_MATCH_BYTES;
  }
}

export function inflateLz4(body: Uint8Array, maxBytes: number): Uint8Array {
  const frame = walkFrame(body, maxBytes);
  if (frame.upperBytes > maxBytes) {
    // Rare (a batch near the bound, or a bomb): count exactly before deciding.
    let exact = frame.storedBytes;
    for (const block of frame.compressedBlocks) {
      const n = blockInflatedBytes(block);
      if (n > frame.blockMaxBytes) throw corrupt(`LZ4 block inflates to ${n} bytes, past the frame's ${frame.blockMaxBytes}-byte block maximum`);
      exact += n;
    }
    if (exact > maxBytes) throw inflatesPastBound('lz4', exact, maxBytes);
  }
  let out: Buffer;
  try {
    out = lz4().decompressFrameSync(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } catch (err) {
    throw corrupt(`LZ4 frame does not inflate: ${(err as Error).message}`, err);
  }
  if (out.byteLength > maxBytes) throw inflatesPastBound('lz4', out.byteLength, maxBytes); // the walk above makes this unreachable
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
