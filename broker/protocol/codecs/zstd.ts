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
 * We walk the frames first and bound what they inflate to from their headers: a declared content size
 * exactly, raw and RLE blocks exactly, a compressed block at the block maximum (min(window, 128 KiB)),
 * which encoders fill but for the last block. Past the bound the batch is refused before anything is
 * inflated; within it libzstd (@toondepauw/node-zstd) inflates, in linear time, checking the content
 * size and checksum. (fzstd, pure JS, shifts its whole window once per block: a frame of many tiny
 * blocks cost it seconds of CPU.)
 */

const zstdLib = lazyRequire<typeof import('@toondepauw/node-zstd')>('@toondepauw/node-zstd', 'zstd');
let decoder: InstanceType<typeof import('@toondepauw/node-zstd').Decoder> | undefined;

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const DESCRIPTOR_RESERVED = 0x08;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_COMPRESSED = 2;
const BLOCK_TYPE_RESERVED = 3;
const WINDOW_LOG_MIN = 10;
const BLOCK_MAX_BYTES = 128 * 1024;

/** Walk every frame; returns the most the frames can inflate to (refusing past maxBytes as soon as it is known). */
function walkFrames(body: Uint8Array, maxBytes: number): number {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const need = (pos: number, n: number, what: string): void => {
    if (pos + n > body.byteLength) throw corrupt(`zstd frame truncated: ${what} needs ${n} bytes at byte ${pos}, ${body.byteLength - pos} left`);
  };
  if (body.byteLength === 0) throw corrupt('zstd records section is empty: no frame');
  let upperBytes = 0;
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
    let contentBytes: number | undefined;
    if (contentSizeBytes) {
      need(pos, contentSizeBytes, 'the content size');
      contentBytes = 0;
      for (let i = contentSizeBytes - 1; i >= 0; i--) contentBytes = contentBytes * 256 + body[pos + i]!;
      if (contentSizeBytes === 2) contentBytes += 256;
      pos += contentSizeBytes;
      if (upperBytes + contentBytes > maxBytes) throw inflatesPastBound('zstd', upperBytes + contentBytes, maxBytes);
      if (singleSegment) windowBytes = contentBytes;
    }
    if (windowBytes > CODEC_ZSTD_WINDOW_MAX_BYTES) {
      throw corrupt(`zstd frame window of ${windowBytes} bytes is past the ${CODEC_ZSTD_WINDOW_MAX_BYTES}-byte bound on a zstd window`);
    }
    const blockMaxBytes = Math.min(windowBytes, BLOCK_MAX_BYTES);
    let blocksBytes = 0;
    for (let last = 0; !last; ) {
      need(pos, 3, 'a block header');
      const header = body[pos]! | (body[pos + 1]! << 8) | (body[pos + 2]! << 16);
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === BLOCK_TYPE_RESERVED) throw corrupt(`zstd block at byte ${pos} has the reserved block type`);
      // Raw and RLE blocks regenerate their size; a compressed block at most the block maximum.
      blocksBytes += type === BLOCK_TYPE_COMPRESSED ? blockMaxBytes : size;
      if (contentBytes === undefined && upperBytes + blocksBytes > maxBytes) {
        throw inflatesPastBound('zstd', `${type === BLOCK_TYPE_COMPRESSED ? 'up to ' : ''}${upperBytes + blocksBytes}`, maxBytes);
      }
      const dataBytes = type === BLOCK_TYPE_RLE ? 1 : size;
      need(pos + 3, dataBytes, 'a block');
      pos += 3 + dataBytes;
    }
    upperBytes += contentBytes === undefined ? blocksBytes : Math.min(contentBytes, blocksBytes);
    if (hasChecksum) {
      need(pos, 4, 'the content checksum');
      pos += 4;
    }
  }
  return upperBytes;
}

export function inflateZstd(body: Uint8Array, maxBytes: number): Uint8Array {
  const upperBytes = walkFrames(body, maxBytes);
  let out: Buffer;
  try {
    decoder ??= new (zstdLib().Decoder)();
    out = decoder.decodeSync(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } catch (err) {
    throw corrupt(`zstd frame does not inflate: ${(err as Error).message}`, err);
  }
  if (out.byteLength > upperBytes) throw new Error(`zstd inflated ${out.byteLength} bytes, past the ${upperBytes} its blocks allow`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
