// A map module that exercises one SDK feature per `mode` param, for test/sdk.
import {
  Record, Params, Header, JsonField, JsonWriter, JsonObjectIterator, jsonNumber,
  registerMap, registerInit, fail, rejectParams, log, LOG_INFO,
} from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let mode = "";
let field = new JsonField("s");

registerInit((params: Params): void => {
  mode = params.get("mode");
  if (mode == "") rejectParams("param mode is required");
  field = new JsonField(params.get("field", "s"));
});

function headersMode(r: Record): Record {
  const k = r.keyString();
  r.setKeyString(k === null ? "none" : "k:" + k);
  r.timestamp = r.timestamp + 1;
  const hs = r.headers();
  let listed = "";
  for (let i = 0; i < hs.length; i++) {
    const v = hs[i].value;
    listed += hs[i].key + "=" + (v === null ? "null" : String.UTF8.decode(v.buffer)) + ";";
  }
  r.addHeader("seen", Uint8Array.wrap(String.UTF8.encode("1")));
  const first = r.headerString("a");
  r.setValueString(listed + "|" + (first === null ? "-" : first));
  return r;
}

function writerMode(r: Record): Record {
  const w = new JsonWriter();
  w.beginObject()
    .key("s").string("q\"b\\n\n\t\u0001é😀")
    .key("nums").beginArray().number(1.5).number(3.0).number(-2).number(NaN).integer(9007199254740993).endArray()
    .key("b").bool(true).key("n").nullValue()
    .key("o").beginObject().key("e").beginArray().endArray().endObject()
    .key("raw").raw(r.valuePtr, r.valueLen)
    .endObject();
  r.setValue(w.toBytes());
  return r;
}

function unescapeMode(r: Record): Record {
  if (!field.find(r)) { r.setValueString("absent"); return r; }
  const s = field.stringValue();
  if (s !== null) { r.setValueString("string:" + s + ":" + s.length.toString()); return r; }
  const n = field.numberValue();
  if (!isNaN(n)) { r.setValueString("number:" + new JsonWriter().number(n * 2).toString()); return r; }
  r.setValueString("raw:" + field.raw() + ":" + field.type.toString());
  return r;
}

function keysMode(r: Record): Record {
  const it = new JsonObjectIterator(r.valuePtr, r.valueLen);
  let out = it.isObject ? "" : "not-object";
  while (it.next()) out += it.keyString() + "@" + it.type.toString() + ",";
  r.setValueString(out);
  return r;
}

// The value parsed as a number and written back: "<JSON text>|<the parsed double's bits in hex>".
function numberMode(r: Record): Record {
  const v = jsonNumber(r.valuePtr, r.valuePtr + <usize>(r.valueLen > 0 ? r.valueLen : 0));
  const written: string = new JsonWriter().number(v).toString();
  const bits: u64 = reinterpret<u64>(v);
  r.setValueString(written + "|" + bits.toString(16));
  return r;
}

// Key, value and header keys read as text.
function textMode(r: Record): Record {
  const k = r.keyString();
  const hs = r.headers();
  let keys = "";
  for (let i = 0; i < hs.length; i++) keys += hs[i].key + ";";
  const key: string = k === null ? "null" : k;
  r.setValueString(key + "|" + r.valueString() + "|" + keys);
  return r;
}

registerMap((r: Record): Record => {
  if (mode == "number") return numberMode(r);
  if (mode == "text") return textMode(r);
  if (mode == "headers") return headersMode(r);
  if (mode == "writer") return writerMode(r);
  if (mode == "unescape") return unescapeMode(r);
  if (mode == "keys") return keysMode(r);
  if (mode == "fail") {
    if (r.valueString() == "bad") fail("bad record at offset " + r.offset.toString());
    return r;
  }
  if (mode == "abort") {
    const a = new Array<i32>(1);
    // Out of range for values longer than 0 bytes: AssemblyScript aborts.
    if (a[r.valueLen] == 7) r.setValueString("never");
    return r;
  }
  if (mode == "log") {
    log(LOG_INFO, "saw " + r.valueString());
    return r;
  }
  if (mode == "null") {
    r.setValue(null);
    r.setKey(null);
    r.setHeaders([new Header("x", null)]);
    return r;
  }
  return r;
});
