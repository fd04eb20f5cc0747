// UTF-8 as the SDK reads it from records: each ill-formed sequence becomes one U+FFFD per
// maximal subpart (Unicode's recommended practice, what Rust's String::from_utf8_lossy and the
// WHATWG decoder do). AssemblyScript's String.UTF8.decode does not check, and turned bytes
// that are not UTF-8 into characters that were never there.

/** The text of the bytes [ptr, ptr + len), ill-formed sequences replaced by U+FFFD. */
export function decodeUtf8(ptr: usize, len: usize): string {
  if (len == 0) return "";
  // One UTF-16 unit per byte at most: 2-4 byte sequences give 1-2 units, a bad byte 1.
  const units = new Uint16Array(<i32>len);
  const out = units.dataStart;
  const end = ptr + len;
  let n: usize = 0;
  let p = ptr;
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) { store<u16>(out + ((n++) << 1), <u16>b); p++; continue; }
    // The length of the sequence a lead byte starts, and the range its second byte must be in.
    let more = 0, lo: u32 = 0x80, hi: u32 = 0xbf, cp: u32 = 0;
    if (b >= 0xc2 && b <= 0xdf) { more = 1; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { more = 2; cp = b & 0x0f; if (b == 0xe0) lo = 0xa0; else if (b == 0xed) hi = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { more = 3; cp = b & 0x07; if (b == 0xf0) lo = 0x90; else if (b == 0xf4) hi = 0x8f; }
    else { store<u16>(out + ((n++) << 1), 0xfffd); p++; continue; }
    let q = p + 1;
    let ok = true;
    for (let i = 0; i < more; i++) {
      if (q >= end) { ok = false; break; }
      const c = <u32>load<u8>(q);
      if (i == 0 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf)) { ok = false; break; }
      cp = (cp << 6) | (c & 0x3f);
      q++;
    }
    p = q; // on error, the byte that broke the sequence starts the next one
    if (!ok) store<u16>(out + ((n++) << 1), 0xfffd);
    else if (cp < 0x10000) store<u16>(out + ((n++) << 1), <u16>cp);
    else {
      cp -= 0x10000;
      store<u16>(out + ((n++) << 1), <u16>(0xd800 | (cp >> 10)));
      store<u16>(out + ((n++) << 1), <u16>(0xdc00 | (cp & 0x3ff)));
    }
  }
  return String.UTF16.decodeUnsafe(out, n << 1);
}
