// filter: keeps records whose JSON value has `field` equal to `value`
// (params field=level value=error by default). Allocates nothing per record.
import { Record, Params, JsonField, registerFilter, registerInit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field = new JsonField("level");
let expected = Uint8Array.wrap(String.UTF8.encode("error"));

registerInit((params: Params): void => {
  field = new JsonField(params.get("field", "level"));
  expected = Uint8Array.wrap(String.UTF8.encode(params.get("value", "error")));
});

registerFilter((r: Record): bool => field.find(r) && field.equalsText(expected));
