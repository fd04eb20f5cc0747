/**
 * Recently flushed (or fetched) byte ranges of segments, bounded in bytes, least recently
 * used first out. Tailing consumers read what was just written without a GET.
 */
export class TailCache {
  private readonly entries = new Map<string, { start: number; bytes: Uint8Array }[]>();
  private readonly order = new Map<string, number>(); // `${segment}#${start}` -> size, in LRU order
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  /** Keeps `bytes`, which hold the segment's bytes from `start`. */
  add(segment: string, start: number, bytes: Uint8Array): void {
    if (bytes.byteLength > this.maxBytes) return;
    const id = `${segment}#${start}`;
    if (this.order.has(id)) return;
    let list = this.entries.get(segment);
    if (!list) this.entries.set(segment, (list = []));
    list.push({ start, bytes });
    this.order.set(id, bytes.byteLength);
    this.bytes += bytes.byteLength;
    this.evict();
  }

  /** The bytes [start, end) of `segment` if one cached range holds them all. */
  get(segment: string, start: number, end: number): Uint8Array | undefined {
    const list = this.entries.get(segment);
    if (!list) return undefined;
    for (const e of list) {
      if (e.start <= start && e.start + e.bytes.byteLength >= end) {
        const id = `${segment}#${e.start}`;
        const size = this.order.get(id)!;
        this.order.delete(id);
        this.order.set(id, size);
        return e.bytes.subarray(start - e.start, end - e.start);
      }
    }
    return undefined;
  }

  drop(segment: string): void {
    const list = this.entries.get(segment);
    if (!list) return;
    for (const e of list) {
      this.order.delete(`${segment}#${e.start}`);
      this.bytes -= e.bytes.byteLength;
    }
    this.entries.delete(segment);
  }

  private evict(): void {
    for (const [id, size] of this.order) {
      if (this.bytes <= this.maxBytes) break;
      this.order.delete(id);
      this.bytes -= size;
      const hash = id.lastIndexOf('#');
      const segment = id.slice(0, hash);
      const start = Number(id.slice(hash + 1));
      const list = this.entries.get(segment)!;
      const i = list.findIndex((e) => e.start === start);
      list.splice(i, 1);
      if (list.length === 0) this.entries.delete(segment);
    }
  }
}
