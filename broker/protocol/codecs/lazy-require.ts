import { createRequire } from 'node:module';
import { ErrorCode } from '../error-codes.js';
import { KafkaError } from '../errors.js';

const require = createRequire(import.meta.url);

/**
 * A codec library, loaded the first time a batch with that codec is decoded: a broker that never
 * looks inside a snappy, lz4 or zstd batch never pays for loading (or mapping the native code of) them.
 */
export function lazyRequire<T>(specifier: string, codec: string): () => T {
  let lib: T | undefined;
  return () => {
    if (lib !== undefined) return lib;
    try {
      lib = require(specifier) as T;
    } catch (err) {
      // A platform without the prebuilt binary: the codec is unavailable here, the batch is not corrupt.
      throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `the ${codec} codec (${specifier}) cannot be loaded: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return lib;
  };
}
