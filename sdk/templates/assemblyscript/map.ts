// A map: upper-cases each record's value (read as UTF-8 text); key, timestamp and headers stay.
import { Record, registerMap, upperCase } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

registerMap((r: Record): Record => {
  if (r.hasValue) r.setValueString(upperCase(r.valueString()));
  return r;
});
