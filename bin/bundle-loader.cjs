'use strict';
// Runs dist/sluice-broker.cjs (scripts/build-bundle.mjs) as a CommonJS module from a V8 code cache.
// CommonJS itself, so that bin/sluice.js reaches it without the ES module loader's per-file cost.
const { createHash } = require('node:crypto');
const { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

/** The cache starts with the sha256 of the bundle it was compiled from: V8 itself checks only the source length. */
const HASH_BYTES = 32;

/**
 * Loads the bundle at `bundlePath` when it is usable: it exists and, unless `ignoreAge`, is not
 * older than `notOlderThanMs` (the mtime of dist/cli/index.js: a tsc run after the bundling step
 * leaves the bundle behind dist/, and old code must not run). Returns null otherwise.
 *
 * `saveCache()` writes the code cache when there was none or V8 refused it; call it late (at
 * exit), so that it holds the functions this run compiled and not only the top level.
 */
function loadBundle({ bundlePath, cachePath = `${bundlePath}.cache`, notOlderThanMs = 0, ignoreAge = false }) {
  const stat = statSync(bundlePath, { throwIfNoEntry: false });
  if (stat === undefined || (!ignoreAge && stat.mtimeMs < notOlderThanMs)) return null;
  const source = readFileSync(bundlePath);
  const hash = createHash('sha256').update(source).digest();
  let cachedData;
  try {
    const cache = readFileSync(cachePath);
    if (cache.length > HASH_BYTES && hash.equals(cache.subarray(0, HASH_BYTES))) cachedData = cache.subarray(HASH_BYTES);
  } catch {
    // No cache yet.
  }
  // The bundle is ASCII (the build checks it), so latin1 gives V8 a one-byte string without decoding.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.toString('latin1')}\n})`;
  const script = new Script(wrapped, { filename: bundlePath, cachedData });
  const cacheAccepted = cachedData !== undefined && script.cachedDataRejected !== true;
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  return {
    exports: module.exports,
    cacheAccepted,
    saveCache: () => (cacheAccepted ? false : writeCache(cachePath, hash, script)),
  };
}

/** Atomic: a unique temporary file renamed over the cache. False when it cannot be written (a read-only install). */
function writeCache(cachePath, hash, script) {
  const tmp = `${cachePath}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([hash, script.createCachedData()]));
    renameSync(tmp, cachePath);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
    return false;
  }
}

module.exports = { loadBundle };
