// The output batch under construction: raw guest memory (not GC-managed) that grows by
// doubling and is reused across batches, so a steady stream of batches allocates nothing here.
import { Record, Header } from "./record";

let buf: usize = 0;
let cap: usize = 0;
let len: usize = 0;
let count: i32 = 0;

function ensure(extra: usize): void {
  const need = len + extra;
  if (need <= cap) return;
  let next = cap == 0 ? <usize>65536 : cap;
  while (next < need) next <<= 1;
  buf = buf == 0 ? heap.alloc(next) : heap.realloc(buf, next);
  cap = next;
}

export function outputBegin(): void {
  len = 0;
  count = 0;
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
  ensure(4 + <usize>n);
  putI32(n);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, buf + len);
  len += <usize>n;
}

/** Appends `r` with the given source offset. */
export function outputRecord(r: Record, offset: i64): void {
  const k = r.keyLen > 0 ? <usize>r.keyLen : 0;
  const v = r.valueLen > 0 ? <usize>r.valueLen : 0;
  ensure(8 + 8 + 4 + k + 4 + v + 4);
  store<i64>(buf + len, offset);
  store<i64>(buf + len, r.timestamp, 8);
  len += 16;
  putSpan(r.keyPtr, r.keyLen);
  putSpan(r.valuePtr, r.valueLen);
  const owned = r.ownedHeaders;
  if (owned === null) {
    const h = <usize>r.headersLen;
    ensure(h);
    putI32(r.headerCount);
    if (h > 0) { memory.copy(buf + len, r.headersPtr, h); len += h; }
  } else {
    putI32(owned.length);
    for (let i = 0; i < owned.length; i++) {
      const hd: Header = owned[i];
      putString(hd.key);
      const hv = hd.value;
      if (hv === null) { ensure(4); putI32(-1); }
      else { ensure(4 + <usize>hv.length); putSpan(hv.dataStart, hv.length); }
    }
  }
  count++;
}
