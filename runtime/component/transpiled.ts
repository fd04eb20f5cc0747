/**
 * A component transpiled by jco, as one byte string: what the bucket caches under the
 * component's sha256 (registry.ts) and what a sandbox worker receives. Layout:
 *
 *   header_len:u32  header (JSON: { world, transpiler, files: [[name, bytes], …] })  file bytes…
 *
 * The files are jco's output with instantiation "sync": one ES module of bindings (JavaScript)
 * and the core WebAssembly modules it instantiates.
 */
import { TRANSPILED_HEADER_MAX_BYTES } from '../constants.js';

export interface TranspiledComponent {
  /** The world of sdk/wit/smartmodule.wit the component implements (`filter`, …). */
  world: string;
  /** Which transpiler made it (the cache key carries it too). */
  transpiler: string;
  files: Map<string, Uint8Array>;
}

export class TranspiledFormatError extends Error {
  constructor(message: string) {
    super(`transpiled component: ${message}`);
    this.name = 'TranspiledFormatError';
  }
}

export function encodeTranspiled(t: TranspiledComponent): Uint8Array {
  const files = [...t.files];
  const header = new TextEncoder().encode(JSON.stringify({ world: t.world, transpiler: t.transpiler, files: files.map(([n, b]) => [n, b.length]) }));
  const total = 4 + header.length + files.reduce((n, [, b]) => n + b.length, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = 4 + header.length;
  for (const [, b] of files) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export function decodeTranspiled(bytes: Uint8Array): TranspiledComponent {
  if (bytes.length < 4) throw new TranspiledFormatError('shorter than its header length');
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (headerLen > TRANSPILED_HEADER_MAX_BYTES || 4 + headerLen > bytes.length) throw new TranspiledFormatError(`header of ${headerLen} bytes does not fit`);
  let header: { world?: unknown; transpiler?: unknown; files?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLen))) as typeof header;
  } catch (err) {
    throw new TranspiledFormatError(`header is not JSON: ${(err as Error).message}`);
  }
  if (typeof header.world !== 'string' || typeof header.transpiler !== 'string' || !Array.isArray(header.files)) throw new TranspiledFormatError('header lacks world, transpiler or files');
  const files = new Map<string, Uint8Array>();
  let at = 4 + headerLen;
  for (const entry of header.files as unknown[]) {
    const [name, len] = entry as [unknown, unknown];
    if (typeof name !== 'string' || typeof len !== 'number' || !Number.isInteger(len) || len < 0 || at + len > bytes.length) {
      throw new TranspiledFormatError(`file entry ${JSON.stringify(entry)} does not fit`);
    }
    files.set(name, bytes.subarray(at, at + len));
    at += len;
  }
  if (at !== bytes.length) throw new TranspiledFormatError(`${bytes.length - at} bytes after the last file`);
  return { world: header.world, transpiler: header.transpiler, files };
}
