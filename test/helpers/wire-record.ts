/** One record as a consumer saw it: the unit every cross-client comparison works on. */
export interface WireRecord {
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** In the order the consumer reported them. */
  headers: Array<[string, Buffer]>;
}

/** Groups records by partition, each list in the order received. */
export function byPartition(records: readonly WireRecord[]): Map<number, WireRecord[]> {
  const out = new Map<number, WireRecord[]>();
  for (const r of records) {
    let list = out.get(r.partition);
    if (!list) out.set(r.partition, (list = []));
    list.push(r);
  }
  return out;
}

function show(b: Buffer | null): string {
  if (b === null) return 'null';
  const hex = b.subarray(0, 24).toString('hex');
  return `${b.length}B:${hex}${b.length > 24 ? '…' : ''}`;
}

/** A short description of a record for assertion messages. */
export function describeRecord(r: WireRecord | undefined): string {
  if (!r) return '(none)';
  const headers = r.headers.map(([k, v]) => `${k}=${show(v)}`).join(',');
  return `p${r.partition}@${r.offset} ts=${r.timestamp} key=${show(r.key)} value=${show(r.value)} headers=[${headers}]`;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** Field-by-field equality of key, value, timestamp and headers (offset and partition compared by the caller). */
export function sameContent(a: WireRecord, b: WireRecord, compareHeaderOrder = true): boolean {
  if (!sameBytes(a.key, b.key) || !sameBytes(a.value, b.value) || a.timestamp !== b.timestamp) return false;
  if (a.headers.length !== b.headers.length) return false;
  const ha = compareHeaderOrder ? a.headers : [...a.headers].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  const hb = compareHeaderOrder ? b.headers : [...b.headers].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return ha.every(([k, v], i) => {
    const other = hb[i];
    return other !== undefined && other[0] === k && other[1].equals(v);
  });
}
