// map: projects and rewrites JSON objects. fields=a,b keeps those top-level fields (in that
// order, absent ones skipped); upper=name upper-cases that string field. A value that is
// not a JSON object passes through unchanged.
import {
  Record, Params, JsonField, JsonObjectIterator, JsonWriter, JSON_STRING,
  registerMap, registerInit, upperCase,
} from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let keep: JsonField[] = [];
let upperName: string = "";
let upperKey: Uint8Array = new Uint8Array(0);

registerInit((params: Params): void => {
  const names = params.getList("fields");
  keep = [];
  for (let i = 0; i < names.length; i++) keep.push(new JsonField(names[i]));
  upperName = params.get("upper", "");
  upperKey = Uint8Array.wrap(String.UTF8.encode(upperName));
});

function writeValue(w: JsonWriter, isUpper: bool, start: usize, end: usize, type: i32): void {
  if (isUpper && type == JSON_STRING) {
    const f = new JsonField("");
    f.start = start; f.end = end; f.type = type;
    w.string(upperCase(f.stringValue() as string));
  } else {
    w.raw(start, <i32>(end - start));
  }
}

registerMap((r: Record): Record => {
  const it = new JsonObjectIterator(r.valuePtr, r.valueLen);
  if (!it.isObject) return r;
  const w = new JsonWriter();
  w.beginObject();
  if (keep.length == 0) {
    while (it.next()) {
      w.key(it.keyString());
      writeValue(w, upperName.length > 0 && it.keyEquals(upperKey), it.start, it.end, it.type);
    }
  } else {
    for (let i = 0; i < keep.length; i++) {
      const f = keep[i];
      if (!f.find(r)) continue;
      w.key(f.name);
      writeValue(w, f.name == upperName, f.start, f.end, f.type);
    }
  }
  w.endObject();
  r.setValue(w.toBytes());
  return r;
});
