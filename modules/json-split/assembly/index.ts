// array_map: one output record per element of a JSON array value (or of the array in a
// top-level field, with field=name). Each output keeps the key, timestamp and headers.
import { Record, Params, JsonField, JsonArrayIterator, registerArrayMap, registerInit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field: JsonField | null = null;

registerInit((params: Params): void => {
  field = params.has("field") ? new JsonField(params.get("field")) : null;
});

registerArrayMap((r: Record): Record[] => {
  const out = new Array<Record>(0);
  let start = r.valuePtr;
  let len = r.valueLen;
  const f = field;
  if (f !== null) {
    if (!f.find(r)) return out;
    start = f.start;
    len = <i32>(f.end - f.start);
  }
  const it = new JsonArrayIterator(start, len);
  while (it.next()) out.push(r.withValue(it.rawBytes()));
  return out;
});
