//! aggregate: running count and sum of a numeric JSON field per record key. The twin of
//! modules/count-sum, with the same state layout (little-endian), owned by the host:
//!   entries:u32, then per key: key_len:i32 (-1 = null key), key bytes, count:i64, sum:f64
//! Every record emits {"key":<key or null>,"count":<n>,"sum":<s>} for its own key.
use sluice_sdk::{Aggregate, Emit, Error, Init, JsonField, JsonWriter, Params, Record, Result};

pub struct CountSum {
    field: JsonField,
}

impl Init for CountSum {
    fn init(params: &Params) -> Result<Self> {
        Ok(CountSum { field: JsonField::new(params.get_or("field", "amount")) })
    }
}

fn read_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The position of the count of `key`'s entry in `state`, or None when it has none.
fn find_entry(state: &[u8], key: Option<&[u8]>) -> Result<Option<usize>> {
    let malformed = || Error::bad_state("count-sum state is malformed");
    let entries = read_i32(state, 0).ok_or_else(malformed)? as u32;
    let mut p = 4;
    for _ in 0..entries {
        let len = read_i32(state, p).ok_or_else(malformed)?;
        let start = p + 4;
        let tail = start + len.max(0) as usize;
        if tail + 16 > state.len() {
            return Err(malformed());
        }
        let same = match key {
            None => len == -1,
            Some(k) => len == k.len() as i32 && &state[start..tail] == k,
        };
        if same {
            return Ok(Some(tail));
        }
        p = tail + 16;
    }
    Ok(None)
}

impl Aggregate for CountSum {
    fn aggregate(&mut self, acc: &mut Vec<u8>, record: &Record) -> Result<Emit> {
        let amount = self.field.find(record).and_then(|v| v.number()).unwrap_or(0.0);
        if acc.len() < 4 {
            *acc = vec![0; 4]; // first record ever: no entries
        }
        let key = record.key();
        let at = match find_entry(acc, key)? {
            Some(at) => at,
            None => {
                // Append a new entry for this key.
                acc.extend_from_slice(&key.map_or(-1, |k| k.len() as i32).to_le_bytes());
                acc.extend_from_slice(key.unwrap_or_default());
                let at = acc.len();
                acc.extend_from_slice(&[0; 16]);
                let entries = u32::from_le_bytes([acc[0], acc[1], acc[2], acc[3]]) + 1;
                acc[..4].copy_from_slice(&entries.to_le_bytes());
                at
            }
        };
        let count = i64::from_le_bytes(acc[at..at + 8].try_into().unwrap()) + 1;
        let sum = f64::from_le_bytes(acc[at + 8..at + 16].try_into().unwrap()) + amount;
        acc[at..at + 8].copy_from_slice(&count.to_le_bytes());
        acc[at + 8..at + 16].copy_from_slice(&sum.to_le_bytes());

        let mut w = JsonWriter::new();
        w.begin_object().key("key");
        match record.key_str() {
            Some(k) => w.string(&k),
            None => w.null(),
        };
        w.key("count").integer(count).key("sum").number(sum).end_object();
        Ok(Emit::Value(w.into_bytes()))
    }
}

sluice_sdk::aggregate!(CountSum);
