/**
 * bin/bundle-loader.cjs: the bundle runs as a CommonJS module from a V8 code cache that is written
 * once, accepted after, and never used for a bundle other than the one it was made from.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const LOADER = path.join(REPO_ROOT, 'bin', 'bundle-loader.cjs');

interface LoadOptions {
  bundlePath: string;
  cachePath?: string;
  notOlderThanMs?: number;
  ignoreAge?: boolean;
}
interface Loaded {
  answer: number;
  dir: string;
  req: string;
  cacheAccepted: boolean;
  /** What saveCache() returned: whether a cache was written. */
  saved: boolean;
}

/**
 * Loads in a fresh process, as bin/sluice.js does: in this one, V8's in-memory compilation cache
 * would answer a second compile of the same source and hide what the code cache file does.
 */
function load(options: LoadOptions): Loaded | null {
  const script = `const { loadBundle } = require(${JSON.stringify(LOADER)});
const b = loadBundle(${JSON.stringify(options)});
if (b === null) { process.stdout.write('null'); } else {
  const { answer, dir, req } = b.exports;
  const cacheAccepted = b.cacheAccepted;
  process.stdout.write(JSON.stringify({ answer: answer(), dir, req, cacheAccepted, saved: b.saveCache() }));
}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Loaded | null;
}

const dir = makeTempDir('bundle-loader');
afterAll(() => removeTempDir(dir));

/** A small bundle whose functions do enough for V8 to compile them. */
function writeBundle(name: string, answer: number): string {
  const file = path.join(dir, name);
  writeFileSync(file, `'use strict';\nfunction work(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }\nexports.answer = () => ${answer} + work(10) * 0;\nexports.dir = __dirname;\nexports.req = typeof require('node:path').join;\n`);
  return file;
}

describe('loadBundle', () => {
  it('runs the bundle as a CommonJS module, writes the cache once, then accepts it', () => {
    const file = writeBundle('a.cjs', 41);
    const first = load({ bundlePath: file })!;
    expect(first).toMatchObject({ answer: 41, dir, req: 'function', cacheAccepted: false, saved: true });
    // Taken the second time; nothing to write then.
    expect(load({ bundlePath: file })).toMatchObject({ answer: 41, cacheAccepted: true, saved: false });
  });

  it('refuses a cache made from other source of the same length, and replaces it', () => {
    const file = writeBundle('b.cjs', 11);
    expect(load({ bundlePath: file })!.saved).toBe(true);
    // Same length, other code: V8 alone would take the old cache (it checks the length).
    writeBundle('b.cjs', 22);
    expect(load({ bundlePath: file })).toMatchObject({ answer: 22, cacheAccepted: false, saved: true });
    expect(load({ bundlePath: file })).toMatchObject({ answer: 22, cacheAccepted: true });
  });

  it('survives a corrupt or truncated cache', () => {
    const file = writeBundle('c.cjs', 5);
    expect(load({ bundlePath: file })!.saved).toBe(true);
    const cachePath = `${file}.cache`;
    const cache = readFileSync(cachePath);
    // The right hash in front of bytes V8 cannot use.
    writeFileSync(cachePath, Buffer.concat([cache.subarray(0, 32), Buffer.alloc(64, 0xab)]));
    expect(load({ bundlePath: file })).toMatchObject({ answer: 5, cacheAccepted: false, saved: true });
    writeFileSync(cachePath, cache.subarray(0, 10));
    expect(load({ bundlePath: file })).toMatchObject({ answer: 5, cacheAccepted: false });
  });

  it('passes over a missing bundle, and one older than dist/ unless told to ignore its age', () => {
    expect(load({ bundlePath: path.join(dir, 'missing.cjs') })).toBeNull();
    const file = writeBundle('d.cjs', 1);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    expect(load({ bundlePath: file, notOlderThanMs: Date.now() })).toBeNull();
    expect(load({ bundlePath: file, notOlderThanMs: Date.now(), ignoreAge: true })).toMatchObject({ answer: 1 });
  });

  it('keeps no cache where it cannot write one, and still runs', () => {
    const file = writeBundle('e.cjs', 3);
    expect(load({ bundlePath: file, cachePath: path.join(dir, 'no-such-dir', 'e.cache') })).toMatchObject({ answer: 3, saved: false });
  });
});
