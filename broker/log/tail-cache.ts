/**
 * The batches of recently flushed (or fetched) chunks, bounded in bytes, least recently used
 * first out. Tailing consumers read what was just written without a GET, and without parsing
 * the segment again: a chunk is kept as its list of whole batches.
 */
export class TailCache {
  private readonly entries = new Map<string, { batches: Uint8Array[]; bytes: number }>(); // in LRU order
  private readonly bySegment = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  /** Keeps the batches of the chunk of `segment` that starts at byte `start`. */
  add(segment: string, start: number, batches: Uint8Array[]): void {
    const id = `${segment}#${start}`;
    let size = 0;
    for (const b of batches) size += b.byteLength;
    if (size > this.maxBytes || this.entries.has(id)) return;
    this.entries.set(id, { batches, bytes: size });
    let ids = this.bySegment.get(segment);
    if (!ids) this.bySegment.set(segment, (ids = new Set()));
    ids.add(id);
    this.bytes += size;
    this.evict();
  }

  /** The batches of the chunk of `segment` starting at byte `start`, if cached. */
  get(segment: string, start: number): Uint8Array[] | undefined {
    const id = `${segment}#${start}`;
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.entries.set(id, e);
    return e.batches;
  }

  drop(segment: string): void {
    for (const id of this.bySegment.get(segment) ?? []) this.remove(id);
    this.bySegment.delete(segment);
  }

  private remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.bytes -= e.bytes;
    const segment = id.slice(0, id.lastIndexOf('#'));
    const ids = this.bySegment.get(segment);
    ids?.delete(id);
    if (ids?.size === 0) this.bySegment.delete(segment);
  }

  private evict(): void {
    for (const id of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(id);
    }
  }
}
