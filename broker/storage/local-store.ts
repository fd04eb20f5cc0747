/**
 * The embedded default bucket: a local directory where `a/b/c` is the file `c`
 * in the subdirectory `a/b`. Every write goes to a fsynced temporary file in the
 * target directory first, so a reader (or a crash) never sees half an object.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_STORE_TEMP_PREFIX } from '../constants.js';
import { assertRange, compareKeys, validateKey } from './keys.js';
import { type ByteRange, type ObjectInfo, type ObjectStore, ObjectNotFoundError, ObjectStoreError } from './object-store.js';

let tempCounter = 0;

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

/** Transient OS conditions where trying again can help; anything else is a bug or a misconfiguration. */
const RETRIABLE_ERRNOS = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'EIO', 'ENOSPC']);

function wrapFsError(op: string, key: string, err: unknown): ObjectStoreError {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown';
  return new ObjectStoreError(`local store ${op} "${key}" failed: ${code}`, {
    cause: err,
    retriable: RETRIABLE_ERRNOS.has(code),
  });
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class LocalStore implements ObjectStore {
  readonly rootDir: string;
  /** Directories made durable by this process (or being made so), to skip mkdir on the hot path. */
  private readonly dirs = new Map<string, Promise<void>>();

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  private pathOf(key: string): string {
    validateKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }

  /**
   * Creates the directory of a key and makes its name durable up to the root. Done once
   * per directory per process, and whether or not this process created it: another
   * writer (a second broker on the same bucket) may have created it without its fsyncs yet.
   */
  private ensureDir(dir: string): Promise<void> {
    let ready = this.dirs.get(dir);
    if (ready === undefined) {
      ready = (async () => {
        await mkdir(dir, { recursive: true });
        // Each name lives in its parent: fsync the parents of dir, ..., rootDir (the root may be new too).
        for (let d = dir; ; d = path.dirname(d)) {
          await fsyncDir(path.dirname(d));
          if (d === this.rootDir || d === path.dirname(d)) break;
        }
      })();
      this.dirs.set(dir, ready);
      // A failed attempt is not cached: the next write tries again.
      ready.catch(() => this.dirs.delete(dir));
    }
    return ready;
  }

  /** Writes and fsyncs `bytes` to a fresh temporary file beside `file`; returns its path. */
  private async writeTemp(file: string, bytes: Uint8Array): Promise<string> {
    const dir = path.dirname(file);
    await this.ensureDir(dir);
    const tmp = path.join(
      dir,
      `${LOCAL_STORE_TEMP_PREFIX}${process.pid}-${++tempCounter}-${randomBytes(4).toString('hex')}`,
    );
    const handle = await open(tmp, 'wx');
    try {
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written);
        written += bytesWritten;
      }
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await handle.close();
    return tmp;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const file = this.pathOf(key);
    if (range !== undefined) assertRange(range);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw new ObjectNotFoundError(key, { cause: err });
      throw wrapFsError('get', key, err);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      const size = info.size;
      const start = range === undefined ? 0 : Math.min(range.start, size);
      const end = range === undefined ? size : Math.min(range.end, size);
      const length = Math.max(0, end - start);
      const out = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(out, read, length - read, start + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      // Objects are immutable once renamed into place, so a short read means the file shrank under us.
      if (read !== length) throw new ObjectStoreError(`local store get "${key}": short read ${read}/${length}`);
      return out;
    } catch (err) {
      if (err instanceof ObjectNotFoundError || err instanceof ObjectStoreError) throw err;
      if (isErrno(err, 'EISDIR')) throw new ObjectNotFoundError(key, { cause: err });
      throw wrapFsError('get', key, err);
    } finally {
      await handle.close();
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    let tmp: string | undefined;
    try {
      tmp = await this.writeTemp(file, bytes);
      await rename(tmp, file);
      tmp = undefined;
      await fsyncDir(path.dirname(file));
    } catch (err) {
      if (tmp !== undefined) await unlink(tmp).catch(() => {});
      throw wrapFsError('put', key, err);
    }
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const file = this.pathOf(key);
    let tmp: string | undefined;
    try {
      tmp = await this.writeTemp(file, bytes);
      // link() fails with EEXIST when the name is taken, and exposes only the fully written, fsynced inode.
      try {
        await link(tmp, file);
      } catch (err) {
        if (isErrno(err, 'EEXIST')) return false;
        throw err;
      }
      await fsyncDir(path.dirname(file));
      return true;
    } catch (err) {
      throw wrapFsError('putIfAbsent', key, err);
    } finally {
      if (tmp !== undefined) await unlink(tmp).catch(() => {});
    }
  }

  async list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    // Start the walk at the deepest directory the prefix fully names.
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const startDir = baseKey === '' ? this.rootDir : path.join(this.rootDir, ...baseKey.split('/'));
    const out: ObjectInfo[] = [];
    await this.walk(startDir, baseKey, prefix, after, out);
    out.sort((a, b) => compareKeys(a.key, b.key));
    return out;
  }

  private async walk(dir: string, dirKey: string, prefix: string, after: string | undefined, out: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw wrapFsError('list', prefix, err);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(LOCAL_STORE_TEMP_PREFIX)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        const asPrefix = `${key}/`;
        // Descend only where keys under the prefix can live.
        if (asPrefix.startsWith(prefix) || prefix.startsWith(asPrefix)) {
          await this.walk(path.join(dir, entry.name), key, prefix, after, out);
        }
      } else if (entry.isFile() && key.startsWith(prefix) && (after === undefined || compareKeys(key, after) > 0)) {
        try {
          const { size } = await stat(path.join(dir, entry.name));
          out.push({ key, size });
        } catch (err) {
          // Deleted between readdir and stat: it is simply no longer listed.
          if (!isErrno(err, 'ENOENT')) throw wrapFsError('list', prefix, err);
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw wrapFsError('delete', key, err);
    }
    try {
      await fsyncDir(path.dirname(file));
    } catch (err) {
      throw wrapFsError('delete', key, err);
    }
  }

  async close(): Promise<void> {
    this.dirs.clear();
  }
}
