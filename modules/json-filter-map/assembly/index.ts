// filter_map: emits the raw JSON of one top-level field as the record's new value and drops
// records that lack it; with min=N it also drops records whose field is not a number ≥ N.
import { Record, Params, JsonField, registerFilterMap, registerInit, rejectParams } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field = new JsonField("value");
let hasMin = false;
let min: f64 = 0;

registerInit((params: Params): void => {
  field = new JsonField(params.get("field", "value"));
  hasMin = params.has("min");
  min = params.getNumber("min", NaN);
  if (hasMin && isNaN(min)) rejectParams("param min must be a number, not \"" + params.get("min") + "\"");
});

registerFilterMap((r: Record): Record | null => {
  if (!field.find(r)) return null;
  if (hasMin) {
    const v = field.numberValue();
    if (isNaN(v) || v < min) return null;
  }
  r.setValue(field.rawBytes());
  return r;
});
