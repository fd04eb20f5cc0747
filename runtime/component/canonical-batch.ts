/**
 * A `list<record>` of sdk/wit/smartmodule.wit lifted from a component's memory back into ABI v1
 * bytes (sdk/ABI.md §4), and what it shares with the lowering (canonical-lower.ts): the host's
 * whole per-batch work for a component, with no JavaScript object per record.
 * jco's generated bindings build an object per record and copy every field out with
 * `ArrayBuffer.slice` (bench/results/components.md): the runtime calls the core export itself.
 *
 * Layouts (canonical ABI, wasm32):
 *   record  (48 bytes, align 8): offset s64 @0, timestamp s64 @8, key option<list<u8>> @16,
 *           value option<list<u8>> @28, headers list<header> @40
 *   option<list<u8>> (12 bytes): discriminant u8 @0, ptr @4, len @8
 *   header  (20 bytes, align 4): key string (ptr @0, len @4), value option<list<u8>> @8
 */
import { ModuleError } from '../module-error.js';
import { ABI_ERROR } from '../abi/error-codes.js';
import type { BatchBuffers } from '../abi/batch-buffers.js';

export const RECORD_BYTES = 48;
export const RECORD_ALIGN = 8;
export const HEADER_BYTES = 20;
export const HEADER_ALIGN = 4;
/** Longest run copied word by word (copyBytes); longer ones go through TypedArray.set, whose ~50 ns a call cost more below it. */
const COPY_BY_WORDS_MAX_BYTES = 96;

/** The guest side a lowering needs: its allocator and its memory (read again after every allocation: it may grow). */
export interface GuestMemory {
  realloc: (oldPtr: number, oldLen: number, align: number, newLen: number) => number;
  memory: WebAssembly.Memory;
}

const badOutput = (why: string): ModuleError => new ModuleError(ABI_ERROR.BAD_OUTPUT, why, 'guest-error');

/** Views of a guest memory, made again only when its buffer changes (growth). */
export class MemoryViews {
  u8: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  constructor(private readonly memory: WebAssembly.Memory) {
    this.refresh();
  }
  refresh(): void {
    const buffer = this.memory.buffer;
    if (this.u8.buffer !== buffer) {
      this.u8 = new Uint8Array(buffer);
      this.dv = new DataView(buffer);
    }
  }
}

export function alloc(g: GuestMemory, views: MemoryViews, align: number, size: number): number {
  const ptr = g.realloc(0, 0, align, size) >>> 0;
  // Reading memory.buffer costs more than the call: only when the region is past the view
  // (growth detaches the old buffer, so its view then has length 0).
  if (ptr + size > views.u8.length) views.refresh();
  if (ptr % align !== 0 || ptr + size > views.u8.length) {
    throw badOutput(`cabi_realloc returned ${ptr} for ${size} bytes aligned to ${align}: outside memory or misaligned`);
  }
  return ptr;
}

/**
 * Copies `len` bytes of `src` from `at` into `dst` at `ptr`: four bytes at a time through the
 * DataViews for a record's usual sizes (a subarray for TypedArray.set costs more than that).
 */
export function copyBytes(dst: Uint8Array, dd: DataView, ptr: number, src: Uint8Array, sd: DataView, at: number, len: number): void {
  if (len > COPY_BY_WORDS_MAX_BYTES) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset + at, len), ptr);
    return;
  }
  let i = 0;
  for (; i + 4 <= len; i += 4) dd.setInt32(ptr + i, sd.getInt32(at + i, true), true);
  for (; i < len; i++) dst[ptr + i] = src[at + i]!;
}

export const utf8 = new TextDecoder('utf-8', { fatal: false });
export const utf8Encode = new TextEncoder();

/** Whether the bytes are ASCII (then valid UTF-8 as they are). */
function ascii(src: Uint8Array, at: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (src[at + i]! >= 0x80) return false;
  return true;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Whether the bytes are valid UTF-8: ASCII checked in place, anything else decoded. */
export function utf8Valid(src: Uint8Array, at: number, len: number): boolean {
  if (ascii(src, at, len)) return true;
  try {
    utf8Fatal.decode(src.subarray(at, at + len));
    return true;
  } catch {
    return false;
  }
}

/** The bytes of a lifted list<u8> or string at (ptr, len), checked to lie inside memory. */
function region(mem: Uint8Array, ptr: number, len: number, what: string): void {
  if (ptr + len > mem.length) throw badOutput(`${what} at ${ptr}+${len} lies outside guest memory (${mem.length} bytes)`);
}

/** The ABI v1 size of an option<list<u8>> at `at`, validated. */
function liftedBytesSize(v: MemoryViews, at: number, what: string): number {
  const disc = v.u8[at]!;
  if (disc === 0) return 4;
  if (disc !== 1) throw badOutput(`${what}: option discriminant ${disc}`);
  const ptr = v.dv.getUint32(at + 4, true);
  const len = v.dv.getUint32(at + 8, true);
  region(v.u8, ptr, len, what);
  return 4 + len;
}

/**
 * The ABI v1 size of the list<record> at (ptr, len) in guest memory, validating every pointer,
 * discriminant and header key (UTF-8) on the way; throws BAD_OUTPUT, or OUTPUT_TOO_LARGE past
 * `maxBytes`.
 */
export function liftedBatchSize(v: MemoryViews, ptr: number, len: number, maxBytes: number): number {
  if (ptr % RECORD_ALIGN !== 0) throw badOutput(`output list at ${ptr} is not aligned to ${RECORD_ALIGN}`);
  region(v.u8, ptr, len * RECORD_BYTES, 'output list');
  let size = 4;
  for (let i = 0; i < len; i++) {
    const base = ptr + i * RECORD_BYTES;
    size += 16 + liftedBytesSize(v, base + 16, 'record key') + liftedBytesSize(v, base + 28, 'record value') + 4;
    const headers = v.dv.getUint32(base + 40, true);
    const headerCount = v.dv.getUint32(base + 44, true);
    if (headerCount > 0) {
      if (headers % HEADER_ALIGN !== 0) throw badOutput(`header list at ${headers} is not aligned to ${HEADER_ALIGN}`);
      region(v.u8, headers, headerCount * HEADER_BYTES, 'header list');
    }
    for (let h = 0; h < headerCount; h++) {
      const hb = headers + h * HEADER_BYTES;
      const keyPtr = v.dv.getUint32(hb, true);
      const keyLen = v.dv.getUint32(hb + 4, true);
      region(v.u8, keyPtr, keyLen, 'header key');
      if (!utf8Valid(v.u8, keyPtr, keyLen)) throw badOutput(`header key at ${keyPtr}+${keyLen} is not UTF-8`);
      size += 4 + keyLen + liftedBytesSize(v, hb + 8, 'header value');
    }
    if (size > maxBytes) {
      throw new ModuleError(ABI_ERROR.OUTPUT_TOO_LARGE, `output batch exceeds the limit of ${maxBytes} bytes`, 'output-too-large');
    }
  }
  return size;
}

function liftBytes(v: MemoryViews, at: number, out: Uint8Array, od: DataView, o: number): number {
  if (v.u8[at] === 0) {
    od.setInt32(o, -1, true);
    return o + 4;
  }
  const ptr = v.dv.getUint32(at + 4, true);
  const len = v.dv.getUint32(at + 8, true);
  od.setInt32(o, len, true);
  copyBytes(out, od, o + 4, v.u8, v.dv, ptr, len);
  return o + 4 + len;
}

/** The ABI v1 size of the record at `base`, whose regions liftedBatchSize has checked. */
function recordBytes(u8: Uint8Array, dv: DataView, base: number): number {
  let size = 28;
  if (u8[base + 16] !== 0) size += dv.getUint32(base + 24, true);
  if (u8[base + 28] !== 0) size += dv.getUint32(base + 36, true);
  const headers = dv.getUint32(base + 40, true);
  const headerCount = dv.getUint32(base + 44, true);
  for (let h = 0; h < headerCount; h++) {
    const hb = headers + h * HEADER_BYTES;
    size += 8 + dv.getUint32(hb + 4, true);
    if (u8[hb + 8] !== 0) size += dv.getUint32(hb + 16, true);
  }
  return size;
}

/** The position after the option<list<u8>> at `at` if its ABI v1 form lies at `q` in memory (prefix, then the bytes it points at), else -1. */
function bytesInPlace(u8: Uint8Array, dv: DataView, at: number, q: number): number {
  if (u8[at] === 0) return dv.getInt32(q, true) === -1 ? q + 4 : -1;
  const len = dv.getUint32(at + 8, true);
  return dv.getUint32(q, true) === len && dv.getUint32(at + 4, true) === q + 4 ? q + 4 + len : -1;
}

/**
 * Where the record at `base` (of ABI v1 size `size`) already lies in guest memory in its ABI v1
 * form, or -1. A record a filter returns unchanged still points into the batch lowerBatch copied
 * in, with the length prefixes between its parts: its output is then those `size` bytes as they
 * are, one copy instead of one per part. Every prefix and pointer is compared, so a record moved,
 * changed or pointing elsewhere takes the part-by-part path.
 */
function inPlaceStart(u8: Uint8Array, dv: DataView, base: number, size: number): number {
  let start: number;
  if (u8[base + 16] !== 0) start = dv.getUint32(base + 20, true) - 20;
  else if (u8[base + 28] !== 0) start = dv.getUint32(base + 32, true) - 24;
  else return -1;
  if (start < 0 || start + size > u8.length) return -1;
  for (let k = 0; k < 16; k += 4) if (dv.getInt32(start + k, true) !== dv.getInt32(base + k, true)) return -1;
  let q = bytesInPlace(u8, dv, base + 16, start + 16);
  if (q >= 0) q = bytesInPlace(u8, dv, base + 28, q);
  if (q < 0) return -1;
  const headers = dv.getUint32(base + 40, true);
  const headerCount = dv.getUint32(base + 44, true);
  if (dv.getUint32(q, true) !== headerCount) return -1;
  q += 4;
  for (let h = 0; h < headerCount && q >= 0; h++) {
    const hb = headers + h * HEADER_BYTES;
    const keyLen = dv.getUint32(hb + 4, true);
    if (dv.getUint32(q, true) !== keyLen || dv.getUint32(hb, true) !== q + 4) return -1;
    q = bytesInPlace(u8, dv, hb + 8, q + 4 + keyLen);
  }
  return q === start + size ? start : -1;
}

/** Writes the record at `base` part by part at `o` in `out`; returns the position after it. */
function liftRecord(v: MemoryViews, base: number, out: Uint8Array, od: DataView, o: number): number {
  copyBytes(out, od, o, v.u8, v.dv, base, 16);
  o = liftBytes(v, base + 16, out, od, o + 16);
  o = liftBytes(v, base + 28, out, od, o);
  const headers = v.dv.getUint32(base + 40, true);
  const headerCount = v.dv.getUint32(base + 44, true);
  od.setInt32(o, headerCount, true);
  o += 4;
  for (let h = 0; h < headerCount; h++) {
    const hb = headers + h * HEADER_BYTES;
    const keyPtr = v.dv.getUint32(hb, true);
    const keyLen = v.dv.getUint32(hb + 4, true);
    od.setInt32(o, keyLen, true);
    copyBytes(out, od, o + 4, v.u8, v.dv, keyPtr, keyLen);
    o = liftBytes(v, hb + 8, out, od, o + 4 + keyLen);
  }
  return o;
}

/**
 * Writes the list<record> at (ptr, len), already sized and checked by liftedBatchSize, as ABI v1
 * bytes. Records still in place (inPlaceStart) are copied whole, consecutive ones in one run.
 */
export function liftBatch(v: MemoryViews, ptr: number, len: number, size: number, buffers?: BatchBuffers): Uint8Array {
  const out = buffers !== undefined ? buffers.take(size).subarray(0, size) : new Uint8Array(size);
  const od = new DataView(out.buffer, out.byteOffset, size);
  const { u8, dv } = v;
  od.setUint32(0, len, true);
  let o = 4;
  // The pending run of in-place records: guest memory [runStart, runEnd) goes to `runOut`.
  let runStart = 0;
  let runEnd = -1;
  let runOut = 0;
  for (let i = 0; i < len; i++) {
    const base = ptr + i * RECORD_BYTES;
    const bytes = recordBytes(u8, dv, base);
    const start = inPlaceStart(u8, dv, base, bytes);
    if (start >= 0 && start === runEnd) {
      runEnd += bytes;
      o += bytes;
      continue;
    }
    if (runEnd > runStart) copyBytes(out, od, runOut, u8, dv, runStart, runEnd - runStart);
    if (start < 0) {
      runEnd = -1;
      o = liftRecord(v, base, out, od, o);
    } else {
      runStart = start;
      runEnd = start + bytes;
      runOut = o;
      o += bytes;
    }
  }
  if (runEnd > runStart) copyBytes(out, od, runOut, u8, dv, runStart, runEnd - runStart);
  if (o !== size) throw new Error(`lifted ${o} bytes of a batch sized ${size}`);
  return out;
}

/** A lifted string (error messages), cut at `maxBytes`. */
export function liftString(v: MemoryViews, ptr: number, len: number, maxBytes: number): string {
  const n = Math.min(len, maxBytes);
  if (ptr + n > v.u8.length) return '';
  return utf8.decode(v.u8.subarray(ptr, ptr + n));
}
