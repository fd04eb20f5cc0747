// filter: keeps records whose JSON value has `field` equal to `value` (params field=level
// value=error by default). Allocates nothing per record. The twin of modules/json-filter.
use sluice_sdk::{Filter, Init, JsonField, Params, Record, Result};

pub struct JsonFilter {
    field: JsonField,
    expected: Vec<u8>,
}

impl Init for JsonFilter {
    fn init(params: &Params) -> Result<Self> {
        Ok(JsonFilter {
            field: JsonField::new(params.get_or("field", "level")),
            expected: params.get_or("value", "error").as_bytes().to_vec(),
        })
    }
}

impl Filter for JsonFilter {
    fn filter(&mut self, record: &Record) -> Result<bool> {
        Ok(self.field.find(record).map_or(false, |v| v.equals_text(&self.expected)))
    }
}

sluice_sdk::filter!(JsonFilter);
