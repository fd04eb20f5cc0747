/**
 * An ABI v1 batch (sdk/ABI.md §4) lowered into a component's memory as the canonical ABI's
 * `list<record>` of sdk/wit/smartmodule.wit (layouts in canonical-batch.ts), and the other
 * arguments of the worlds' functions: params and an aggregate's state.
 *
 * The canonical ABI gives the callee every list it lowers, as an allocation of its own it may
 * free (componentize-js and wit-bindgen's guests do): that is one `cabi_realloc` call from
 * JavaScript per key, value and header list, and a copy each. A guest whose allocator takes its
 * arguments back all at once (a bump arena reset by the post-return functions) may declare so
 * with a custom section `sluice:arguments` reading `one-block`: the whole batch then goes in as
 * one allocation and one bulk copy, and the helper module (canonical-batch.wat) writes records
 * pointing into it (docs/components.md).
 */
import { ABI_COUNT_BYTES, ABI_RECORD_MIN_BYTES } from '../constants.js';
import {
  HEADER_ALIGN, HEADER_BYTES, RECORD_ALIGN, RECORD_BYTES, alloc, copyBytes, utf8, utf8Encode, utf8Valid, type BatchHelper, type GuestMemory, type MemoryViews,
} from './canonical-batch.js';

/** The custom section a guest's main core module declares its allocator's contract in, and the one value known. */
export const ARGUMENTS_SECTION = 'sluice:arguments';
export const ONE_BLOCK_ARGUMENTS = 'one-block';

/** Whether the core module declares (ARGUMENTS_SECTION) that it takes a call's arguments as one block. */
export function takesOneBlock(module: WebAssembly.Module): boolean {
  const sections = WebAssembly.Module.customSections(module, ARGUMENTS_SECTION);
  return sections.length === 1 && new TextDecoder().decode(sections[0]) === ONE_BLOCK_ARGUMENTS;
}

/**
 * Lowers the ABI v1 batch `input` as a list<record> with the helper module (batchHelper): in one
 * block when the guest takes its arguments so, else list by list.
 */
export function lowerBatch(g: GuestMemory, v: MemoryViews, input: Uint8Array, helper: BatchHelper, oneBlock: boolean): { ptr: number; len: number } {
  return oneBlock ? lowerBatchOneBlock(g, v, input, helper) : lowerBatchCopied(g, v, input, helper);
}

/** The record count of the ABI v1 batch `input`, checked against its length. */
function recordCount(input: Uint8Array): number {
  const count = (input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24)) >>> 0;
  if (count > (input.length - ABI_COUNT_BYTES) / ABI_RECORD_MIN_BYTES) throw new RangeError(`input batch of ${input.length} bytes cannot hold ${count} records`);
  return count;
}

/**
 * Lowers the batch list by list, as the canonical ABI has it, with the allocations made from
 * WebAssembly: the batch is copied in after room for its records, the helper allocates and copies
 * every key, value, header list and header key out of that copy, and the whole block is then
 * resized (cabi_realloc) to the record list alone, so the guest owns exactly the allocations
 * jco's lowering would give it. A batch with a header key that is not ASCII is lowered by
 * lowerBatchPerList into the resized block, which checks its UTF-8.
 */
function lowerBatchCopied(g: GuestMemory, v: MemoryViews, input: Uint8Array, helper: BatchHelper): { ptr: number; len: number } {
  const count = recordCount(input);
  if (count === 0) return lowerBatchPerList(g, v, input);
  const head = count * RECORD_BYTES;
  const block = alloc(g, v, RECORD_ALIGN, head + input.length);
  v.u8.set(input, block + head);
  const scan = helper.scan(block + head, block + head + input.length, count);
  if (scan < 0) throw new RangeError(`input batch of ${input.length} bytes is not a whole ABI v1 batch`);
  if (scan === 0) helper.lowerCopied(block, block + head, count);
  const list = alloc(g, v, RECORD_ALIGN, head, block, head + input.length);
  return scan === 0 ? { ptr: list, len: count } : lowerBatchPerList(g, v, input, list);
}

/**
 * Lowers an option<list<u8>> (ABI v1: i32 length, -1 = null, then the bytes) read at `p` in
 * `src` into the 12 bytes at `at` in guest memory; returns the position after it in `src`.
 */
function lowerBytesCopied(g: GuestMemory, v: MemoryViews, src: Uint8Array, sv: DataView, p: number, at: number): number {
  const len = sv.getInt32(p, true);
  if (len < 0) {
    v.u8[at] = 0;
    return p + 4;
  }
  const ptr = alloc(g, v, 1, len);
  copyBytes(v.u8, v.dv, ptr, src, sv, p + 4, len);
  v.u8[at] = 1;
  v.dv.setUint32(at + 4, ptr, true);
  v.dv.setUint32(at + 8, len, true);
  return p + 4 + len;
}

/**
 * Writes the records of the ABI v1 batch `input` into guest memory as a list<record>, every key,
 * value, header list and header key in an allocation of its own, as the canonical ABI has it:
 * the guest owns each and may free each (the list itself already allocated when `listAllocated`
 * is given). Returns the list's pointer and length. A header key that
 * is not UTF-8 (Kafka does not check) is lowered with U+FFFD in place of the bad bytes, since the
 * canonical ABI's strings are always UTF-8.
 */
function lowerBatchPerList(g: GuestMemory, v: MemoryViews, input: Uint8Array, listAllocated?: number): { ptr: number; len: number } {
  const sv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const count = sv.getUint32(0, true);
  const list = listAllocated ?? alloc(g, v, RECORD_ALIGN, count * RECORD_BYTES);
  let p = 4;
  for (let i = 0; i < count; i++) {
    const base = list + i * RECORD_BYTES;
    // offset and timestamp: little-endian i64 on both sides.
    copyBytes(v.u8, v.dv, base, input, sv, p, 16);
    p = lowerBytesCopied(g, v, input, sv, p + 16, base + 16);
    p = lowerBytesCopied(g, v, input, sv, p, base + 28);
    const headerCount = sv.getInt32(p, true);
    p += 4;
    const headers = alloc(g, v, HEADER_ALIGN, headerCount * HEADER_BYTES);
    for (let h = 0; h < headerCount; h++) {
      const hb = headers + h * HEADER_BYTES;
      const keyLen = sv.getInt32(p, true);
      let keyPtr: number;
      let keyBytes = keyLen;
      if (utf8Valid(input, p + 4, keyLen)) {
        keyPtr = alloc(g, v, 1, keyLen);
        copyBytes(v.u8, v.dv, keyPtr, input, sv, p + 4, keyLen);
      } else {
        const text = utf8Encode.encode(utf8.decode(input.subarray(p + 4, p + 4 + keyLen)));
        keyBytes = text.length;
        keyPtr = alloc(g, v, 1, keyBytes);
        v.u8.set(text, keyPtr);
      }
      v.dv.setUint32(hb, keyPtr, true);
      v.dv.setUint32(hb + 4, keyBytes, true);
      p = lowerBytesCopied(g, v, input, sv, p + 4 + keyLen, hb + 8);
    }
    v.dv.setUint32(base + 40, headers, true);
    v.dv.setUint32(base + 44, headerCount, true);
  }
  return { ptr: list, len: count };
}

/**
 * Writes the option<list<u8>> whose ABI v1 length prefix is at `p` in guest memory (below 0 =
 * null) as 12 bytes at `at`, pointing at its bytes where they are; returns the position after it.
 */
function lowerBytesInPlace(dv: DataView, p: number, at: number): number {
  const len = dv.getInt32(p, true);
  if (len < 0) {
    dv.setInt32(at, 0, true);
    return p + 4;
  }
  dv.setInt32(at, 1, true);
  dv.setInt32(at + 4, p + 4, true);
  dv.setInt32(at + 8, len, true);
  return p + 4 + len;
}

/**
 * Writes the records of the ABI v1 batch `input` into guest memory as a list<record>, for a guest
 * that declares it never frees an argument on its own; returns its pointer and length. One
 * allocation holds the records and a copy of the whole batch, which every key, value and header
 * points into: one bulk copy and one cabi_realloc call a batch (two when it has headers),
 * whatever its size; the helper module writes the records. Throws RangeError when `input` is not
 * a whole batch.
 */
function lowerBatchOneBlock(g: GuestMemory, v: MemoryViews, input: Uint8Array, helper: BatchHelper): { ptr: number; len: number } {
  const count = recordCount(input);
  const list = alloc(g, v, RECORD_ALIGN, count * RECORD_BYTES + input.length);
  const copy = list + count * RECORD_BYTES;
  v.u8.set(input, copy);
  const headerTotal = helper.lower(list, copy, copy + input.length, count);
  if (headerTotal < 0) throw new RangeError(`input batch of ${input.length} bytes is not a whole ABI v1 batch`);
  if (headerTotal > 0) lowerHeaders(g, v, list, copy, headerTotal);
  return { ptr: list, len: count };
}

/**
 * Writes the header lists of the records lowered at [list, listEnd), `total` headers in all, in
 * an allocation of their own. A header key that is not UTF-8 (Kafka does not check) is lowered,
 * in an allocation of its own, with U+FFFD in place of the bad bytes, since the canonical ABI's
 * strings are always UTF-8.
 */
function lowerHeaders(g: GuestMemory, v: MemoryViews, list: number, listEnd: number, total: number): void {
  let headers = alloc(g, v, HEADER_ALIGN, total * HEADER_BYTES);
  for (let base = list; base < listEnd; base += RECORD_BYTES) {
    const headerCount = v.dv.getInt32(base + 44, true);
    let p = v.dv.getUint32(base + 40, true);
    v.dv.setInt32(base + 40, headerCount === 0 ? 0 : headers, true);
    for (let h = 0; h < headerCount; h++, headers += HEADER_BYTES) {
      const keyLen = v.dv.getInt32(p, true);
      let keyPtr = p + 4;
      let keyBytes = keyLen;
      if (!utf8Valid(v.u8, keyPtr, keyLen)) {
        const text = utf8Encode.encode(utf8.decode(v.u8.subarray(keyPtr, keyPtr + keyLen)));
        keyBytes = text.length;
        keyPtr = alloc(g, v, 1, keyBytes);
        v.u8.set(text, keyPtr);
      }
      v.dv.setInt32(headers, keyPtr, true);
      v.dv.setInt32(headers + 4, keyBytes, true);
      p = lowerBytesInPlace(v.dv, p + 4 + keyLen, headers + 8);
    }
  }
}

/** Lowers bytes as a list<u8> (aggregate state); returns its pointer. */
export function lowerList(g: GuestMemory, v: MemoryViews, bytes: Uint8Array): number {
  const ptr = alloc(g, v, 1, bytes.length);
  v.u8.set(bytes, ptr);
  return ptr;
}

/** Lowers params as a list<tuple<string, string>> (16 bytes per pair, align 4); returns pointer and length. */
export function lowerParams(g: GuestMemory, v: MemoryViews, params: Record<string, string>): { ptr: number; len: number } {
  const pairs = Object.entries(params);
  const list = alloc(g, v, 4, pairs.length * 16);
  pairs.forEach(([k, val], i) => {
    for (const [j, s] of [k, val].entries()) {
      const bytes = utf8Encode.encode(s);
      const ptr = alloc(g, v, 1, bytes.length);
      v.u8.set(bytes, ptr);
      v.dv.setUint32(list + i * 16 + j * 8, ptr, true);
      v.dv.setUint32(list + i * 16 + j * 8 + 4, bytes.length, true);
    }
  });
  return { ptr: list, len: pairs.length };
}
