import { gunzipSync } from 'node:zlib';
import { corrupt, inflatesPastBound } from './errors.js';

/** gzip (one or more members, as Java and librdkafka write): zlib stops at maxOutputLength. */
export function inflateGzip(body: Uint8Array, maxBytes: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw inflatesPastBound('gzip', `more than ${maxBytes}`, maxBytes);
    throw corrupt(`gzip records do not inflate: ${(err as Error).message}`, err);
  }
  // Plain Uint8Array views, like the uncompressed path, so callers never see a Buffer.
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
}
