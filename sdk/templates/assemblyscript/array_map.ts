// An array_map: one record per element of the JSON array in the top-level field `field`
// (param; default "items"), each element's JSON as the value; key, timestamp and headers stay.
import { Record, Params, JsonField, JsonArrayIterator, registerArrayMap, registerInit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field = new JsonField("items");

registerInit((params: Params): void => {
  field = new JsonField(params.get("field", "items"));
});

registerArrayMap((r: Record): Record[] => {
  const out = new Array<Record>(0);
  if (!field.find(r)) return out;
  const it = new JsonArrayIterator(field.start, <i32>(field.end - field.start));
  while (it.next()) out.push(r.withValue(it.rawBytes()));
  return out;
});
