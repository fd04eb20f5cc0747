import { CODEC_ZSTD_WINDOW_MAX_BYTES } from '../../constants.js';
import { corrupt, inflatesPastBound } from './errors.js';
import { lazyRequire } from './lazy-require.js';

/*
 * Zstandard frames (RFC 8878), little-endian, one or more, skippable frames allowed between them =>
 *   magic UINT32 (0xFD2FB528)
 *   descriptor UINT8   bits 7-6 content size field, 5 single segment, 3 reserved, 2 checksum, 1-0 dictionary id field
 *   [window UINT8]     absent when single segment (then the window is the content size)
 *   [dictionaryId 1/2/4 bytes]  [contentSize 1/2/4/8 bytes; the 2-byte form is offset by 256]
 *   blocks =>  header UINT24 (bit 0 last, bits 2-1 type: raw, RLE, compressed, reserved; bits 23-3 size)
 *              data (size bytes; one byte for RLE, whose size is what it regenerates)
 *   [checksum UINT32]
 * skippable frame => magic UINT32 (0x184D2A5?)  size UINT32  size bytes
 *
 * We walk the frames first (header fields fzstd would trust, and its window allocation), then inflate
 * with fzstd block by block, counting, so a bomb stops at the bound without allocating past it.
 * fzstd skips the optional content checksum (Kafka clients do not write one by default); the batch's
 * CRC-32C, checked on produce, already covers the compressed bytes.
 */

const fzstd = lazyRequire<typeof import('fzstd')>('fzstd', 'zstd');

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const DESCRIPTOR_RESERVED = 0x08;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_RESERVED = 3;
const WINDOW_LOG_MIN = 10;

function walkFrames(body: Uint8Array, maxBytes: number): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const need = (pos: number, n: number, what: string): void => {
    if (pos + n > body.byteLength) throw corrupt(`zstd frame truncated: ${what} needs ${n} bytes at byte ${pos}, ${body.byteLength - pos} left`);
  };
  if (body.byteLength === 0) throw corrupt('zstd records section is empty: no frame');
  let declaredBytes = 0;
  let pos = 0;
  while (pos < body.byteLength) {
    need(pos, 4, 'a frame magic');
    const magic = view.getUint32(pos, true);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(pos + 4, 4, 'a skippable frame size');
      const size = view.getUint32(pos + 4, true);
      need(pos + 8, size, 'a skippable frame');
      pos += 8 + size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt(`not a zstd frame at byte ${pos}: magic 0x${magic.toString(16)}`);
    need(pos + 4, 1, 'the frame header descriptor');
    const descriptor = body[pos + 4]!;
    pos += 5;
    if (descriptor & DESCRIPTOR_RESERVED) throw corrupt(`zstd frame descriptor 0x${descriptor.toString(16)} sets the reserved bit`);
    const singleSegment = (descriptor >> 5) & 1;
    const contentSizeFlag = descriptor >> 6;
    const hasChecksum = (descriptor >> 2) & 1;
    const dictionaryIdBytes = DICTIONARY_ID_BYTES[descriptor & 3]!;
    let windowBytes = 0;
    if (!singleSegment) {
      need(pos, 1, 'the window descriptor');
      const w = body[pos++]!;
      const base = 2 ** (WINDOW_LOG_MIN + (w >> 3));
      windowBytes = base + (base / 8) * (w & 7);
    }
    if (dictionaryIdBytes) {
      need(pos, dictionaryIdBytes, 'the dictionary id');
      let id = 0;
      for (let i = dictionaryIdBytes - 1; i >= 0; i--) id = id * 256 + body[pos + i]!;
      // Id 0 means "no dictionary"; Kafka clients never compress with one.
      if (id !== 0) throw corrupt(`zstd frame needs dictionary ${id}, which Kafka never uses`);
      pos += dictionaryIdBytes;
    }
    const contentSizeBytes = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
    if (contentSizeBytes) {
      need(pos, contentSizeBytes, 'the content size');
      let contentBytes = 0;
      for (let i = contentSizeBytes - 1; i >= 0; i--) contentBytes = contentBytes * 256 + body[pos + i]!;
      if (contentSizeBytes === 2) contentBytes += 256;
      pos += contentSizeBytes;
      declaredBytes += contentBytes;
      if (declaredBytes > maxBytes) throw inflatesPastBound('zstd', declaredBytes, maxBytes);
      if (singleSegment) windowBytes = contentBytes;
    }
    if (windowBytes > CODEC_ZSTD_WINDOW_MAX_BYTES) {
      throw corrupt(`zstd frame window of ${windowBytes} bytes is past the ${CODEC_ZSTD_WINDOW_MAX_BYTES}-byte bound on a zstd window`);
    }
    for (let last = 0; !last; ) {
      need(pos, 3, 'a block header');
      const header = body[pos]! | (body[pos + 1]! << 8) | (body[pos + 2]! << 16);
      last = header & 1;
      const type = (header >> 1) & 3;
      if (type === BLOCK_TYPE_RESERVED) throw corrupt(`zstd block at byte ${pos} has the reserved block type`);
      const dataBytes = type === BLOCK_TYPE_RLE ? 1 : header >>> 3;
      need(pos + 3, dataBytes, 'a block');
      pos += 3 + dataBytes;
    }
    if (hasChecksum) {
      need(pos, 4, 'the content checksum');
      pos += 4;
    }
  }
}

export function inflateZstd(body: Uint8Array, maxBytes: number): Uint8Array {
  walkFrames(body, maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // fzstd hands over one block (at most 128 KiB) at a time: stop at the first one past the bound.
  const stream = new (fzstd().Decompress)((chunk) => {
    total += chunk.byteLength;
    if (total > maxBytes) throw inflatesPastBound('zstd', `more than ${maxBytes}`, maxBytes);
    if (chunk.byteLength > 0) chunks.push(chunk);
  });
  stream.push(body, true);
  if (chunks.length === 1) {
    // A raw block comes back as a view of the input (a Buffer when the input is one): a plain view, like the other codecs.
    const only = chunks[0]!;
    return new Uint8Array(only.buffer, only.byteOffset, only.byteLength);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
