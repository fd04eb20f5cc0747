// The bench's filter as an Extism plugin: keep a JSON record when its top-level string field
// `field` equals `value` (both from the plugin config), the same logic as modules' JSON filter.
// Two entry points, to measure Extism in both of its usual modes:
//   filter_record: input = one record value; output = one byte, 1 keep / 0 drop.
//   filter_batch:  input = u32le count, then per record u32le length + bytes; output = the kept
//                  records in the same layout.
import { Config, Host } from '@extism/as-pdk';

function myAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  unreachable();
}

let configured = false;
let needle = new Uint8Array(0); // `"field"`
let wanted = new Uint8Array(0); // `"value"`

function quoted(s: string): Uint8Array {
  const raw = Uint8Array.wrap(String.UTF8.encode(s));
  const out = new Uint8Array(raw.length + 2);
  out[0] = 0x22;
  out.set(raw, 1);
  out[raw.length + 1] = 0x22;
  return out;
}

function configure(): void {
  if (configured) return;
  const field = Config.get('field');
  const value = Config.get('value');
  needle = quoted(field === null ? 'level' : field);
  wanted = quoted(value === null ? 'error' : value);
  configured = true;
}

function isSpace(c: u8): bool {
  return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d;
}

function equalAt(buf: usize, len: i32, at: i32, pattern: Uint8Array): bool {
  if (at + pattern.length > len) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (load<u8>(buf + at + i) != pattern[i]) return false;
  }
  return true;
}

/** True when the JSON object at buf[0..len) has `"field": "value"`. */
function matches(buf: usize, len: i32): bool {
  const first = needle[0];
  for (let i = 0; i < len; i++) {
    if (load<u8>(buf + i) != first || !equalAt(buf, len, i, needle)) continue;
    let j = i + needle.length;
    while (j < len && isSpace(load<u8>(buf + j))) j++;
    if (j >= len || load<u8>(buf + j) != 0x3a) continue;
    j++;
    while (j < len && isSpace(load<u8>(buf + j))) j++;
    return equalAt(buf, len, j, wanted);
  }
  return false;
}

const ONE = new Uint8Array(1);
const ZERO = new Uint8Array(1);
ONE[0] = 1;

export function filter_record(): i32 {
  configure();
  const input = Host.input();
  Host.output(matches(input.dataStart, input.length) ? ONE : ZERO);
  return 0;
}

export function filter_batch(): i32 {
  configure();
  const input = Host.input();
  const base = input.dataStart;
  const count = load<u32>(base);
  const out = new Uint8Array(input.length);
  const outBase = out.dataStart;
  let kept: u32 = 0;
  let r = 4;
  let w = 4;
  for (let n: u32 = 0; n < count; n++) {
    const len = load<u32>(base + r);
    if (matches(base + r + 4, <i32>len)) {
      memory.copy(outBase + w, base + r, 4 + len);
      w += 4 + <i32>len;
      kept++;
    }
    r += 4 + <i32>len;
  }
  store<u32>(outBase, kept);
  Host.output(out.subarray(0, w));
  return 0;
}
