/**
 * ABI v1 params (sdk/ABI.md, "Params"): u32 count, then per pair u32 key length + UTF-8 key,
 * u32 value length + UTF-8 value. Keys are unique; order is the caller's.
 */
import { PARAMS_MAX_BYTES } from '../constants.js';

export class ParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamsError';
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeParams(params: Record<string, string>): Uint8Array {
  const pairs = Object.entries(params).map(([k, v]) => [utf8.encode(k), utf8.encode(v)] as const);
  let size = 4;
  for (const [k, v] of pairs) size += 8 + k.length + v.length;
  if (size > PARAMS_MAX_BYTES) throw new ParamsError(`params take ${size} bytes, more than ${PARAMS_MAX_BYTES}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, pairs.length, true);
  let p = 4;
  for (const [k, v] of pairs) {
    if (k.length === 0) throw new ParamsError('param with an empty name');
    view.setUint32(p, k.length, true);
    out.set(k, p + 4);
    p += 4 + k.length;
    view.setUint32(p, v.length, true);
    out.set(v, p + 4);
    p += 4 + v.length;
  }
  return out;
}

export function decodeParams(bytes: Uint8Array): Record<string, string> {
  if (bytes.length > PARAMS_MAX_BYTES) throw new ParamsError(`params of ${bytes.length} bytes exceed ${PARAMS_MAX_BYTES}`);
  if (bytes.length < 4) throw new ParamsError('params shorter than their count');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  if (count * 8 > bytes.length - 4) throw new ParamsError(`params claim ${count} pairs in ${bytes.length} bytes`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let p = 4;
  const text = (what: string): string => {
    if (p + 4 > bytes.length) throw new ParamsError(`${what} length runs past the end`);
    const len = view.getUint32(p, true);
    p += 4;
    if (p + len > bytes.length) throw new ParamsError(`${what} runs past the end`);
    let s: string;
    try {
      s = utf8Strict.decode(bytes.subarray(p, p + len));
    } catch {
      throw new ParamsError(`${what} is not UTF-8`);
    }
    p += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const k = text(`param ${i} name`);
    const v = text(`param ${i} value`);
    if (k.length === 0) throw new ParamsError(`param ${i} has an empty name`);
    if (Object.prototype.hasOwnProperty.call(out, k)) throw new ParamsError(`param "${k}" given twice`);
    out[k] = v;
  }
  if (p !== bytes.length) throw new ParamsError(`${bytes.length - p} bytes after the last param`);
  return out;
}

/** Parses CLI-style `k=v` strings; the first `=` splits, so values may contain `=`. */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new ParamsError(`param "${a}" is not key=value`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}
