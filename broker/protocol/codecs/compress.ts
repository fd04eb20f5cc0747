import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { lazyRequire } from './lazy-require.js';

/*
 * Compressing a records section with each Kafka codec, for topics whose compression.type names one
 * (the broker recompresses batches produced in another). The output is what Kafka's own broker and
 * Java client write, so every client decodes it:
 *   gzip   one member, zlib's default level (Java's Deflater default)
 *   snappy xerial framing: magic "\x82SNAPPY\0", version 1, compatible version 1, then blocks of at
 *          most 32 KiB of input each as [length INT32][raw snappy] (Java's SnappyOutputStream)
 *   lz4    one LZ4 frame, independent 64 KiB blocks, header checksum, no content size (KIP-57)
 *   zstd   one frame at level 3, Kafka's default level
 * Each library runs on libuv's thread pool (their asynchronous calls), off the event loop.
 */

const gzipAsync = promisify(gzip);
const snappy = lazyRequire<typeof import('snappy')>('snappy', 'snappy');
const lz4 = lazyRequire<typeof import('lz4-napi')>('lz4-napi', 'lz4');
const zstdLib = lazyRequire<typeof import('@toondepauw/node-zstd')>('@toondepauw/node-zstd', 'zstd');

const XERIAL_HEADER = new Uint8Array([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
/** Input per xerial block: Java's SnappyOutputStream default, so each block inflates within what readers expect. */
const XERIAL_BLOCK_BYTES = 32 * 1024;
/** Kafka's compression.zstd.level default. */
const ZSTD_LEVEL = 3;

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export async function compressGzip(body: Uint8Array): Promise<Uint8Array> {
  return view(await gzipAsync(body));
}

export async function compressSnappy(body: Uint8Array): Promise<Uint8Array> {
  const lib = snappy();
  const blocks: Promise<Buffer>[] = [];
  for (let at = 0; at < body.byteLength; at += XERIAL_BLOCK_BYTES) {
    blocks.push(lib.compress(asBuffer(body.subarray(at, at + XERIAL_BLOCK_BYTES))) as Promise<Buffer>);
  }
  const compressed = await Promise.all(blocks);
  const out = new Uint8Array(XERIAL_HEADER.byteLength + compressed.reduce((n, b) => n + 4 + b.byteLength, 0));
  const dv = new DataView(out.buffer);
  out.set(XERIAL_HEADER, 0);
  let pos = XERIAL_HEADER.byteLength;
  for (const b of compressed) {
    dv.setInt32(pos, b.byteLength);
    out.set(b, pos + 4);
    pos += 4 + b.byteLength;
  }
  return out;
}

export async function compressLz4(body: Uint8Array): Promise<Uint8Array> {
  return view(await lz4().compressFrame(asBuffer(body)));
}

let zstdEncoder: InstanceType<typeof import('@toondepauw/node-zstd').Encoder> | undefined;

export async function compressZstd(body: Uint8Array): Promise<Uint8Array> {
  zstdEncoder ??= new (zstdLib().Encoder)(ZSTD_LEVEL);
  return view(await zstdEncoder.encode(asBuffer(body)));
}
