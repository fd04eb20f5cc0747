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
import { CANONICAL_BATCH_WASM_BASE64 } from './canonical-wasm.js';

export const RECORD_BYTES = 48;
export const RECORD_ALIGN = 8;
export const HEADER_BYTES = 20;
export const HEADER_ALIGN = 4;
/** Longest run copied word by word (copyBytes); longer ones go through TypedArray.set, whose ~50 ns a call cost more below it. */
const COPY_BY_WORDS_MAX_BYTES = 96;

/** canonical-batch.wat's exports, instantiated on one guest's memory. */
export interface BatchHelper {
  lower: (list: number, copy: number, end: number, count: number) => number;
  scan: (copy: number, end: number, count: number) => number;
  lowerCopied: (list: number, copy: number, count: number) => void;
  lift: (list: number, len: number, dst: number) => number;
}

let helperModule: WebAssembly.Module | undefined;

/** canonical-batch.wat instantiated on a guest's memory and allocator (compiled once a process). */
export function batchHelper(g: GuestMemory): BatchHelper {
  helperModule ??= new WebAssembly.Module(Buffer.from(CANONICAL_BATCH_WASM_BASE64, 'base64'));
  return new WebAssembly.Instance(helperModule, { guest: { memory: g.memory, realloc: g.realloc } }).exports as unknown as BatchHelper;
}

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

/** A new allocation of `size` bytes from the guest's cabi_realloc, or `oldPtr`'s (of `oldLen` bytes) resized; checked to lie in memory. */
export function alloc(g: GuestMemory, views: MemoryViews, align: number, size: number, oldPtr = 0, oldLen = 0): number {
  const ptr = g.realloc(oldPtr, oldLen, align, size) >>> 0;
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

/** Writes the list<record> at (ptr, len), already sized and checked by liftedBatchSize, as ABI v1 bytes. */
export function liftBatch(v: MemoryViews, ptr: number, len: number, size: number, buffers?: BatchBuffers): Uint8Array {
  const out = buffers !== undefined ? buffers.take(size).subarray(0, size) : new Uint8Array(size);
  const od = new DataView(out.buffer, out.byteOffset, size);
  od.setUint32(0, len, true);
  let o = 4;
  for (let i = 0; i < len; i++) o = liftRecord(v, ptr + i * RECORD_BYTES, out, od, o);
  return out;
}

/**
 * liftBatch for a guest that takes its arguments as one block (canonical-lower.ts), whose
 * allocations last until the post-return function: the ABI v1 bytes are written in guest memory
 * by the helper module, part by part with memory.copy, then copied out in one piece. The
 * allocation runs guest code, so the list is checked again (liftedBatchSize, under `maxBytes`)
 * after it and before the helper reads it.
 */
export function liftBatchInGuest(
  g: GuestMemory, v: MemoryViews, helper: BatchHelper, ptr: number, len: number, size: number, maxBytes: number, buffers?: BatchBuffers,
): Uint8Array {
  const dst = alloc(g, v, 1, size);
  if (liftedBatchSize(v, ptr, len, maxBytes) !== size) throw badOutput('output list changed while the host allocated for it');
  const written = helper.lift(ptr, len, dst) >>> 0;
  if (written !== size) throw badOutput(`output list lifted to ${written} bytes, sized ${size}`);
  const region = v.u8.subarray(dst, dst + size);
  return buffers !== undefined ? buffers.copyOf(region) : region.slice();
}

/** A lifted string (error messages), cut at `maxBytes`. */
export function liftString(v: MemoryViews, ptr: number, len: number, maxBytes: number): string {
  const n = Math.min(len, maxBytes);
  if (ptr + n > v.u8.length) return '';
  return utf8.decode(v.u8.subarray(ptr, ptr + n));
}
