//! array_map: one output record per element of a JSON array value (or of the array in a
//! top-level field, with field=name). Each output keeps the key, timestamp and headers.
//! The twin of modules/json-split.
use sluice_sdk::{json, ArrayMap, Init, JsonField, Params, Record, Result};

pub struct JsonSplit {
    field: Option<JsonField>,
}

impl Init for JsonSplit {
    fn init(params: &Params) -> Result<Self> {
        Ok(JsonSplit { field: params.get("field").map(JsonField::new) })
    }
}

impl ArrayMap for JsonSplit {
    fn array_map<'a>(&mut self, record: Record<'a>) -> Result<Vec<Record<'a>>> {
        let value = record.value().unwrap_or_default();
        let array = match &self.field {
            None => value,
            Some(f) => match f.find_in(value) {
                Some(v) => v.raw(),
                None => return Ok(Vec::new()),
            },
        };
        let elements = match json::array(array) {
            Some(e) => e,
            None => return Ok(Vec::new()),
        };
        Ok(elements.map(|e| record.with_value(e.raw().to_vec())).collect())
    }
}

sluice_sdk::array_map!(JsonSplit);
