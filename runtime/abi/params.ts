/**
 * ABI v1 params (sdk/ABI.md, "Params"): u32 count, then per pair u32 key length + UTF-8 key,
 * u32 value length + UTF-8 value. Keys are unique; order is the caller's.
 */
import { LittleEndianReader, LittleEndianWriter } from '../../broker/protocol/little-endian.js';
import { ABI_COUNT_BYTES, ABI_PARAM_MIN_BYTES, PARAMS_MAX_BYTES } from '../constants.js';

export class ParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamsError';
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

const paramsError = (message: string): Error => new ParamsError(message);

export function encodeParams(params: Record<string, string>): Uint8Array {
  const pairs = Object.entries(params).map(([k, v]) => [utf8.encode(k), utf8.encode(v)] as const);
  let size = ABI_COUNT_BYTES;
  for (const [k, v] of pairs) size += ABI_PARAM_MIN_BYTES + k.length + v.length;
  if (size > PARAMS_MAX_BYTES) throw new ParamsError(`params take ${size} bytes, more than ${PARAMS_MAX_BYTES}`);
  const w = new LittleEndianWriter(new Uint8Array(size), paramsError);
  w.uint32(pairs.length);
  for (const [k, v] of pairs) {
    if (k.length === 0) throw new ParamsError('param with an empty name');
    w.bytesU32(k).bytesU32(v);
  }
  return w.bytes;
}

export function decodeParams(bytes: Uint8Array): Record<string, string> {
  if (bytes.length > PARAMS_MAX_BYTES) throw new ParamsError(`params of ${bytes.length} bytes exceed ${PARAMS_MAX_BYTES}`);
  if (bytes.length < ABI_COUNT_BYTES) throw new ParamsError('params shorter than their count');
  const r = new LittleEndianReader(bytes, paramsError);
  const count = r.uint32();
  if (count * ABI_PARAM_MIN_BYTES > r.remaining) throw new ParamsError(`params claim ${count} pairs in ${bytes.length} bytes`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const text = (what: string): string => {
    try {
      return utf8Strict.decode(r.bytesU32(what));
    } catch (err) {
      if (err instanceof ParamsError) throw err;
      throw new ParamsError(`${what} is not UTF-8`);
    }
  };
  for (let i = 0; i < count; i++) {
    const k = text(`param ${i} name`);
    const v = text(`param ${i} value`);
    if (k.length === 0) throw new ParamsError(`param ${i} has an empty name`);
    if (Object.prototype.hasOwnProperty.call(out, k)) throw new ParamsError(`param "${k}" given twice`);
    out[k] = v;
  }
  if (r.remaining !== 0) throw new ParamsError(`${r.remaining} bytes after the last param`);
  return out;
}

/** Parses CLI-style `k=v` strings; the first `=` splits, so values may contain `=`. */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new ParamsError(`param "${a}" is not key=value`);
    const key = a.slice(0, i);
    if (Object.hasOwn(out, key)) throw new ParamsError(`param "${key}" is given twice`);
    out[key] = a.slice(i + 1);
  }
  return out;
}
