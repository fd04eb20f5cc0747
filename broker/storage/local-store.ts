/**
 * The embedded default bucket: a local directory where `a/b/c` is the file `c`
 * in the subdirectory `a/b`. Every write goes to a fsynced temporary file in the
 * target directory first, so a reader (or a crash) never sees half an object.
 */
import { randomBytes } from 'node:crypto';
import { close as closeFd, constants as fsConstants, fstat as fstatFd, fsync as fsyncFd, open as openFd, read as readFd } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { LOCAL_STORE_DIR_HANDLES_MAX_COUNT, LOCAL_STORE_READ_HANDLES_MAX_COUNT, LOCAL_STORE_TEMP_PREFIX } from '../constants.js';
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

const openAsync = promisify(openFd);
const fstatAsync = promisify(fstatFd);
const fsyncFdAsync = promisify(fsyncFd);
const readAsync = promisify(readFd);
const closeAsync = promisify(closeFd);

/** Opens an object's file for reading, with its size; anything but a file is refused as EISDIR. */
async function openObject(file: string): Promise<{ fd: number; size: number }> {
  const fd = await openAsync(file, 'r');
  try {
    const info = await fstatAsync(fd);
    if (!info.isFile()) throw Object.assign(new Error(`${file} is not a file`), { code: 'EISDIR' });
    return { fd, size: info.size };
  } catch (err) {
    closeFd(fd, () => {});
    throw err;
  }
}

/** Fills `out` from `fd` at `position`. Objects are immutable once renamed into place, so a short read means the file shrank under us. */
async function readFully(fd: number, out: Uint8Array, position: number, key: string): Promise<Uint8Array> {
  let read = 0;
  while (read < out.length) {
    const { bytesRead } = await readAsync(fd, out, read, out.length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  if (read !== out.length) throw new ObjectStoreError(`local store get "${key}": short read ${read}/${out.length}`);
  return out;
}

/** A get's failure as the store reports it: a missing object (or a directory in its place) is not found. */
function getError(key: string, err: unknown): Error {
  if (err instanceof ObjectStoreError) return err;
  if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) return new ObjectNotFoundError(key, { cause: err });
  return wrapFsError('get', key, err);
}

/** An open file or directory kept by path: closed once evicted and no call uses it. */
interface OpenEntry<V extends { fd: number }> {
  value: Promise<V>;
  users: number;
  evicted: boolean;
}

/**
 * Descriptors kept open by path, the least recently used evicted past `max`. Every step of a file
 * operation is a round trip to the thread pool, which wakes a pool thread that preempts the event
 * loop's: a descriptor kept open saves the open and close of each use. `fds` holds every
 * descriptor open now (closed by a finalizer if the store is dropped without close()).
 */
class OpenFiles<V extends { fd: number }> {
  readonly #entries = new Map<string, OpenEntry<V>>();

  constructor(
    readonly max: number,
    private readonly fds: Set<number>,
    private readonly openFile: (p: string) => Promise<V>,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Runs `fn` with the descriptor of `p`, opened now or kept; one that fails is never reused. */
  async use<R>(p: string, fn: (v: V) => Promise<R>): Promise<R> {
    let e = this.#entries.get(p);
    if (e === undefined) {
      const value = this.openFile(p);
      void value.then((v) => this.fds.add(v.fd)).catch(() => {});
      e = { value, users: 0, evicted: false };
    } else {
      this.#entries.delete(p);
    }
    this.#entries.set(p, e);
    e.users++;
    for (const [k, old] of this.#entries) {
      if (this.#entries.size <= this.max) break;
      this.#entries.delete(k);
      this.#retire(old);
    }
    try {
      return await fn(await e.value);
    } catch (err) {
      if (this.#entries.get(p) === e) this.#entries.delete(p);
      e.evicted = true;
      throw err;
    } finally {
      e.users--;
      if (e.evicted && e.users === 0) this.#close(e);
    }
  }

  /** Forgets the descriptor of `p` (its file was replaced or removed); closed once unused. */
  evict(p: string): void {
    const e = this.#entries.get(p);
    if (e === undefined) return;
    this.#entries.delete(p);
    this.#retire(e);
  }

  closeAll(): void {
    for (const e of this.#entries.values()) this.#retire(e);
    this.#entries.clear();
  }

  #retire(e: OpenEntry<V>): void {
    e.evicted = true;
    if (e.users === 0) this.#close(e);
  }

  #close(e: OpenEntry<V>): void {
    void e.value
      .then(({ fd }) => {
        this.fds.delete(fd);
        closeFd(fd, () => {});
      })
      .catch(() => {});
  }
}

/**
 * Plain descriptors rather than FileHandles: a store dropped without close() must not leave
 * them to the garbage collector's close (a deprecated path that warns). The descriptors it
 * keeps open are closed here once the store itself is garbage.
 */
const unclosedFds = new FinalizationRegistry<Set<number>>((fds) => {
  for (const fd of fds) closeFd(fd, () => {});
});

export class LocalStore implements ObjectStore {
  readonly rootDir: string;
  /** Directories made durable by this process (or being made so), to skip mkdir on the hot path. */
  private readonly dirs = new Map<string, Promise<void>>();
  /** Every descriptor this store keeps open now; holds no reference to the store. */
  private readonly keptFds = new Set<number>();
  /** The directories written to most recently, for their fsyncs. */
  private readonly dirHandles = new OpenFiles(LOCAL_STORE_DIR_HANDLES_MAX_COUNT, this.keptFds, async (dir) => ({
    fd: await openAsync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY),
  }));
  /** Objects read by range most recently, with their sizes: objects are immutable once in place. */
  private readonly readHandles = new OpenFiles(LOCAL_STORE_READ_HANDLES_MAX_COUNT, this.keptFds, openObject);

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
    unclosedFds.register(this, this.keptFds);
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

  /**
   * fsyncs a directory through a handle kept open: every step of a write is a round trip to
   * the thread pool that waits for the event loop, and open + fsync + close was three.
   */
  private async syncDir(dir: string): Promise<void> {
    await this.dirHandles.use(dir, ({ fd }) => fsyncFdAsync(fd));
  }

  /** Directory handles kept open (for tests of the bound). */
  get openDirHandleCount(): number {
    return this.dirHandles.size;
  }

  /** Object files kept open for ranged reads (for tests of the bound). */
  get openReadHandleCount(): number {
    return this.readHandles.size;
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
    // The data is durable: the rename or link need not wait for the close.
    void handle.close().catch(() => {});
    return tmp;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const file = this.pathOf(key);
    if (range !== undefined) {
      assertRange(range);
      return this.getRange(key, file, range);
    }
    let opened;
    try {
      opened = await openObject(file);
    } catch (err) {
      throw getError(key, err);
    }
    try {
      return await readFully(opened.fd, new Uint8Array(opened.size), 0, key);
    } catch (err) {
      throw getError(key, err);
    } finally {
      await closeAsync(opened.fd);
    }
  }

  /**
   * A range of an object through a descriptor kept open (segments are read chunk by chunk): one
   * pread per chunk where a whole get is open, fstat, read and close.
   */
  private async getRange(key: string, file: string, range: ByteRange): Promise<Uint8Array> {
    try {
      return await this.readHandles.use(file, ({ fd, size }) => {
        const start = Math.min(range.start, size);
        return readFully(fd, new Uint8Array(Math.max(0, Math.min(range.end, size) - start)), start, key);
      });
    } catch (err) {
      throw getError(key, err);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    let tmp: string | undefined;
    try {
      tmp = await this.writeTemp(file, bytes);
      // A descriptor kept for reads would go on reading the object this put replaces.
      this.readHandles.evict(file);
      await rename(tmp, file);
      tmp = undefined;
      await this.syncDir(path.dirname(file));
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
      // The link is made before the fsync starts, so the fsync makes it durable; the temporary
      // name goes meanwhile (whether that removal is in this fsync does not matter).
      const removing = unlink(tmp).catch(() => {});
      tmp = undefined;
      try {
        await this.syncDir(path.dirname(file));
      } finally {
        await removing;
      }
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
    this.readHandles.evict(file);
    try {
      await unlink(file);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw wrapFsError('delete', key, err);
    }
    try {
      await this.syncDir(path.dirname(file));
    } catch (err) {
      throw wrapFsError('delete', key, err);
    }
  }

  async close(): Promise<void> {
    this.dirs.clear();
    this.dirHandles.closeAll();
    this.readHandles.closeAll();
  }
}
