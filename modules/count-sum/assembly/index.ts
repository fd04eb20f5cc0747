// aggregate: running count and sum of a numeric JSON field per record key.
// State layout (little-endian), owned by the host between batches:
//   entries:u32, then per key: key_len:i32 (-1 = null key), key bytes, count:i64, sum:f64
// Every record emits {"key":<key or null>,"count":<n>,"sum":<s>} for its own key.
import { Record, Params, JsonField, JsonWriter, registerAggregate, registerInit, emit } from "@sluice/sdk";
export * from "@sluice/sdk/exports";

let field = new JsonField("amount");

registerInit((params: Params): void => {
  field = new JsonField(params.get("field", "amount"));
});

function sameKey(p: usize, len: i32, r: Record): bool {
  if (len != r.keyLen) return false;
  return len <= 0 || memory.compare(p, r.keyPtr, <usize>len) == 0;
}

registerAggregate((acc: Uint8Array, r: Record): Uint8Array => {
  let amount: f64 = 0;
  if (field.find(r)) {
    const v = field.numberValue();
    if (!isNaN(v)) amount = v;
  }
  let state = acc;
  if (state.length < 4) {
    state = new Uint8Array(4); // first record ever: no entries
  }
  const base = state.dataStart;
  const entries = load<u32>(base);
  let p = base + 4;
  let found: usize = 0;
  for (let i: u32 = 0; i < entries; i++) {
    const kl = load<i32>(p);
    const kp = p + 4;
    const tail = kp + (kl > 0 ? <usize>kl : 0);
    if (sameKey(kp, kl, r)) { found = tail; break; }
    p = tail + 16;
  }
  if (found == 0) {
    // Append a new entry for this key.
    const kl = r.keyLen;
    const extra = 4 + (kl > 0 ? kl : 0) + 16;
    const grown = new Uint8Array(state.length + extra);
    memory.copy(grown.dataStart, state.dataStart, <usize>state.length);
    const q = grown.dataStart + <usize>state.length;
    store<i32>(q, kl);
    if (kl > 0) memory.copy(q + 4, r.keyPtr, <usize>kl);
    found = q + 4 + (kl > 0 ? <usize>kl : 0);
    store<i64>(found, 0);
    store<f64>(found, 0, 8);
    store<u32>(grown.dataStart, entries + 1);
    state = grown;
  }
  const count = load<i64>(found) + 1;
  const sum = load<f64>(found, 8) + amount;
  store<i64>(found, count);
  store<f64>(found, sum, 8);

  const w = new JsonWriter();
  w.beginObject().key("key");
  const key = r.keyString();
  if (key === null) w.nullValue(); else w.string(key);
  w.key("count").integer(count).key("sum").number(sum).endObject();
  emit(w.toBytes());
  return state;
});
