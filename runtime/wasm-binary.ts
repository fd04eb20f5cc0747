/**
 * Just enough of the WebAssembly binary format to read what WebAssembly.Module does not
 * expose: the memory limits and the signature of each exported function.
 */

export interface MemoryLimits {
  minPages: number;
  maxPages: number | null;
  shared: boolean;
  memory64: boolean;
}

export interface FuncSignature {
  params: string[];
  results: string[];
}

export interface WasmLayout {
  memories: MemoryLimits[];
  /** Signature of each exported function, by export name. */
  exportedFunctions: Map<string, FuncSignature>;
}

export class WasmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmFormatError';
  }
}

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

class Cursor {
  p: number;
  constructor(readonly b: Uint8Array, p: number, readonly end: number) {
    this.p = p;
  }
  byte(): number {
    if (this.p >= this.end) throw new WasmFormatError('unexpected end of section');
    return this.b[this.p++]!;
  }
  u32(): number {
    return this.uleb(35);
  }
  u64AsNumber(): number {
    return this.uleb(70);
  }
  /** An unsigned LEB128 as a number (exact up to 2^53); `maxShift` bounds its length for the width read. */
  private uleb(maxShift: number): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const c = this.byte();
      result += (c & 0x7f) * 2 ** shift;
      if ((c & 0x80) === 0) break;
      shift += 7;
      if (shift > maxShift) throw new WasmFormatError('LEB128 too long');
    }
    return result;
  }
  name(): string {
    const n = this.u32();
    if (this.p + n > this.end) throw new WasmFormatError('name runs past its section');
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
  limits(): MemoryLimits {
    const flags = this.byte();
    const memory64 = (flags & 4) !== 0;
    const read = (): number => (memory64 ? this.u64AsNumber() : this.u32());
    const minPages = read();
    const maxPages = (flags & 1) !== 0 ? read() : null;
    return { minPages, maxPages, shared: (flags & 2) !== 0, memory64 };
  }
}

/** Reads memory limits and exported function signatures; throws WasmFormatError on a malformed binary. */
export function readWasmLayout(bytes: Uint8Array): WasmLayout {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError('not a WebAssembly binary (bad magic)');
  }
  const types: FuncSignature[] = [];
  const importedFuncTypes: number[] = [];
  const funcTypes: number[] = [];
  const memories: MemoryLimits[] = [];
  const funcExports: [string, number][] = [];
  let p = 8;
  while (p < bytes.length) {
    const head = new Cursor(bytes, p, bytes.length);
    const id = head.byte();
    const size = head.u32();
    const start = head.p;
    const end = start + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the binary`);
    const c = new Cursor(bytes, start, end);
    switch (id) {
      case 1: {
        const n = c.u32();
        for (let i = 0; i < n; i++) {
          const form = c.byte();
          if (form !== 0x60) throw new WasmFormatError(`unsupported type form 0x${form.toString(16)}`);
          const params = Array.from({ length: c.u32() }, () => VALTYPES[c.byte()] ?? '?');
          const results = Array.from({ length: c.u32() }, () => VALTYPES[c.byte()] ?? '?');
          types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = c.u32();
        for (let i = 0; i < n; i++) {
          c.name();
          c.name();
          const kind = c.byte();
          if (kind === 0) importedFuncTypes.push(c.u32());
          else if (kind === 1) {
            c.byte();
            c.limits();
          } else if (kind === 2) memories.push(c.limits());
          else if (kind === 3) {
            c.byte();
            c.byte();
          } else c.u32(); // tag
        }
        break;
      }
      case 3: {
        const n = c.u32();
        for (let i = 0; i < n; i++) funcTypes.push(c.u32());
        break;
      }
      case 5: {
        const n = c.u32();
        for (let i = 0; i < n; i++) memories.push(c.limits());
        break;
      }
      case 7: {
        const n = c.u32();
        for (let i = 0; i < n; i++) {
          const name = c.name();
          const kind = c.byte();
          const index = c.u32();
          if (kind === 0) funcExports.push([name, index]);
        }
        break;
      }
      default:
        break;
    }
    p = end;
  }
  const exportedFunctions = new Map<string, FuncSignature>();
  for (const [name, index] of funcExports) {
    const typeIndex = index < importedFuncTypes.length ? importedFuncTypes[index] : funcTypes[index - importedFuncTypes.length];
    const sig = typeIndex === undefined ? undefined : types[typeIndex];
    if (sig) exportedFunctions.set(name, sig);
  }
  return { memories, exportedFunctions };
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * The module with every memory it defines bounded to at most `maxPages` (a maximum added where
 * none is declared, lowered where one is larger): how the memory bound reaches a component's
 * core modules, which their toolchains build without a maximum. Imported memories are bounded
 * where they are defined. Throws WasmFormatError when a memory starts above `maxPages`.
 */
export function withMemoryMaximum(bytes: Uint8Array, maxPages: number): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let p = 8;
  while (p < bytes.length) {
    const head = new Cursor(bytes, p, bytes.length);
    const id = head.byte();
    const size = head.u32();
    const end = head.p + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the binary`);
    if (id !== 5) {
      parts.push(bytes.subarray(p, end));
      p = end;
      continue;
    }
    const c = new Cursor(bytes, head.p, end);
    const n = c.u32();
    const body: number[] = uleb(n);
    for (let i = 0; i < n; i++) {
      const m = c.limits();
      if (m.memory64) throw new WasmFormatError('64-bit memories are not supported');
      if (m.minPages > maxPages) throw new WasmFormatError(`memory starts at ${m.minPages} pages, over the limit of ${maxPages}`);
      const max = Math.min(m.maxPages ?? maxPages, maxPages);
      body.push(m.shared ? 0x03 : 0x01, ...uleb(m.minPages), ...uleb(max));
    }
    parts.push(Uint8Array.of(5, ...uleb(body.length), ...body));
    p = end;
  }
  const out = new Uint8Array(parts.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}
