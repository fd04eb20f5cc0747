// A filter: keeps the records whose JSON value has the top-level field `field` equal to
// `value` (params; defaults "level" and "error").
import { Record, Params, JsonField, registerFilter, registerInit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field = new JsonField("level");
let value = Uint8Array.wrap(String.UTF8.encode("error"));

registerInit((params: Params): void => {
  field = new JsonField(params.get("field", "level"));
  value = Uint8Array.wrap(String.UTF8.encode(params.get("value", "error")));
});

registerFilter((r: Record): bool => field.find(r) && field.equalsText(value));
