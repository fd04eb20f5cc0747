// An aggregate: a running count of records. The host keeps the accumulator between batches
// (here 8 bytes, the count as a little-endian u64); every record emits {"count":n}.
import { Record, registerAggregate, emit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

registerAggregate((acc: Uint8Array, r: Record): Uint8Array => {
  const count: u64 = (acc.length == 8 ? load<u64>(acc.dataStart) : 0) + 1;
  const next = new Uint8Array(8);
  store<u64>(next.dataStart, count);
  emit(Uint8Array.wrap(String.UTF8.encode('{"count":' + count.toString() + "}")));
  return next;
});
