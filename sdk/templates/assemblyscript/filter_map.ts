// A filter_map: replaces each record's value by the JSON of its top-level field `field`
// (param; default "amount") and drops the records without it.
import { Record, Params, JsonField, registerFilterMap, registerInit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field = new JsonField("amount");

registerInit((params: Params): void => {
  field = new JsonField(params.get("field", "amount"));
});

registerFilterMap((r: Record): Record | null => {
  if (!field.find(r)) return null;
  r.setValue(field.rawBytes());
  return r;
});
