// The output batch under construction: raw guest memory (not GC-managed) that grows by
// doubling and is reused across batches, so a steady stream of batches allocates nothing here.
import { Record, Header } from "./record";

/** The host's default output bound (ABI.md §4): stop writing there rather than fill memory. */
export const OUTPUT_MAX_BYTES: usize = 16 << 20;

let buf: usize = 0;
let cap: usize = 0;
let len: usize = 0;
let count: i32 = 0;
let overflow = false;

/** True once a record did not fit under OUTPUT_MAX_BYTES; the batch then fails with OUTPUT_TOO_LARGE. */
export function outputOverflowed(): bool { return overflow; }

/** Makes room for `extra` more bytes; false (and nothing written) past OUTPUT_MAX_BYTES. */
function ensure(extra: usize): bool {
  const need = len + extra;
  if (need <= cap) return true;
  if (need > OUTPUT_MAX_BYTES) { overflow = true; return false; }
  let next = cap == 0 ? <usize>65536 : cap;
  while (next < need) next <<= 1;
  if (next > OUTPUT_MAX_BYTES) next = OUTPUT_MAX_BYTES;
  buf = buf == 0 ? heap.alloc(next) : heap.realloc(buf, next);
  cap = next;
  return true;
}

export function outputBegin(): void {
  len = 0;
  count = 0;
  overflow = false;
  ensure(4);
  len = 4; // the record count, written by outputFinish
}

export function outputFinish(): i32 {
  store<i32>(buf, count);
  return count;
}

export function outputPtr(): usize { return buf; }
export function outputLen(): usize { return len; }
export function outputCount(): i32 { return count; }

@inline function putI32(v: i32): void { store<i32>(buf + len, v); len += 4; }

function putSpan(ptr: usize, n: i32): void {
  putI32(n);
  if (n > 0) { memory.copy(buf + len, ptr, <usize>n); len += <usize>n; }
}

function putString(s: string): void {
  const n = String.UTF8.byteLength(s);
  putI32(n);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, buf + len);
  len += <usize>n;
}

/** Appends `r` with the given source offset. */
export function outputRecord(r: Record, offset: i64): void {
  if (overflow) return;
  const k = r.keyLen > 0 ? <usize>r.keyLen : 0;
  const v = r.valueLen > 0 ? <usize>r.valueLen : 0;
  const owned = r.ownedHeaders;
  let h: usize = <usize>r.headersLen;
  if (owned !== null) {
    h = 0;
    for (let i = 0; i < owned.length; i++) {
      const hv = owned[i].value;
      h += 8 + <usize>String.UTF8.byteLength(owned[i].key) + (hv === null ? 0 : <usize>hv.length);
    }
  }
  // One check for the whole record, so a record is written entirely or not at all.
  if (!ensure(8 + 8 + 4 + k + 4 + v + 4 + h)) return;
  store<i64>(buf + len, offset);
  store<i64>(buf + len, r.timestamp, 8);
  len += 16;
  putSpan(r.keyPtr, r.keyLen);
  putSpan(r.valuePtr, r.valueLen);
  if (owned === null) {
    putI32(r.headerCount);
    if (h > 0) { memory.copy(buf + len, r.headersPtr, h); len += h; }
  } else {
    putI32(owned.length);
    for (let i = 0; i < owned.length; i++) {
      const hd: Header = owned[i];
      putString(hd.key);
      const hv = hd.value;
      if (hv === null) putI32(-1);
      else putSpan(hv.dataStart, hv.length);
    }
  }
  count++;
}
