// Parameters given at attach time (key=value pairs), decoded once in sluice_init.
import { decodeUtf8 } from "./utf8";

export class Params {
  private map: Map<string, string> = new Map<string, string>();

  /** Decodes the ABI params layout: u32 count, then (u32 len + UTF-8) key and value per pair. Null on malformed input. */
  static decode(ptr: usize, len: i32): Params | null {
    const p = new Params();
    if (len == 0) return p;
    if (len < 4) return null;
    const end = ptr + <usize>len;
    const n = load<i32>(ptr);
    let q = ptr + 4;
    for (let i = 0; i < n; i++) {
      if (q + 4 > end) return null;
      const kl = load<i32>(q); q += 4;
      if (kl < 0 || q + <usize>kl + 4 > end) return null;
      const k = decodeUtf8(q, <usize>kl); q += <usize>kl;
      const vl = load<i32>(q); q += 4;
      if (vl < 0 || q + <usize>vl > end) return null;
      const v = decodeUtf8(q, <usize>vl); q += <usize>vl;
      p.map.set(k, v);
    }
    return p;
  }

  has(name: string): bool { return this.map.has(name); }
  /** The value of `name`, or `fallback` when absent. */
  get(name: string, fallback: string = ""): string {
    return this.map.has(name) ? this.map.get(name) : fallback;
  }
  /** The value of `name` parsed as a number, or `fallback` when absent or not a number. */
  getNumber(name: string, fallback: f64 = 0): f64 {
    if (!this.map.has(name)) return fallback;
    const v = parseFloat(this.map.get(name));
    return isNaN(v) ? fallback : v;
  }
  /** The comma-separated list in `name` (empty entries dropped). */
  getList(name: string): string[] {
    const out = new Array<string>(0);
    if (!this.map.has(name)) return out;
    const parts = this.map.get(name).split(",");
    for (let i = 0; i < parts.length; i++) {
      const t = parts[i].trim();
      if (t.length > 0) out.push(t);
    }
    return out;
  }
  names(): string[] { return this.map.keys(); }
}
