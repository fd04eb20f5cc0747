/**
 * The rules every store applies to keys and byte ranges, so that the local
 * directory and S3 accept and order exactly the same things.
 */
import { LOCAL_STORE_TEMP_PREFIX, OBJECT_KEY_MAX_BYTES } from '../constants.js';

/** Thrown for a key no store may hold: a bug in the caller, never worth a retry. */
export class InvalidKeyError extends Error {
  constructor(key: string, reason: string) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/**
 * Keys are `/`-separated segments with no empty, `.` or `..` segment, so that each
 * maps to one file path under the local root and cannot escape it.
 */
export function validateKey(key: string): void {
  if (key.length === 0) throw new InvalidKeyError(key, 'empty');
  if (Buffer.byteLength(key) > OBJECT_KEY_MAX_BYTES) throw new InvalidKeyError(key, `longer than ${OBJECT_KEY_MAX_BYTES} bytes`);
  if (key.includes('\0')) throw new InvalidKeyError(key, 'contains NUL');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, 'empty path segment');
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `segment "${segment}"`);
    if (segment.startsWith(LOCAL_STORE_TEMP_PREFIX)) throw new InvalidKeyError(key, `segment starts with reserved "${LOCAL_STORE_TEMP_PREFIX}"`);
  }
}

/** Orders keys by their UTF-8 bytes, the order S3 lists them in. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogate range UTF-16 code-unit order equals UTF-8 byte order.
    if (x < 0xd800 && y < 0xd800) return x - y;
    // Compare the rest as UTF-8, starting at the high half when i splits a surrogate pair.
    const from = i > 0 && x >= 0xdc00 && x <= 0xdfff && y >= 0xdc00 && y <= 0xdfff ? i - 1 : i;
    return Buffer.compare(Buffer.from(a.slice(from)), Buffer.from(b.slice(from)));
  }
  return a.length - b.length;
}

export function assertRange(range: { start: number; end: number }): void {
  if (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0 || range.end < range.start) {
    throw new RangeError(`invalid byte range [${range.start}, ${range.end})`);
  }
}
