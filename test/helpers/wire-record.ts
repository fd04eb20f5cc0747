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
