//! An array_map: one record per element of the JSON array in the top-level field `field`
//! (param; default "items"), each element's JSON as the value; key, timestamp and headers stay.
use sluice_sdk::{ArrayMap, Init, JsonField, Params, Record, Result};

pub struct Module {
    field: JsonField,
}

impl Init for Module {
    fn init(params: &Params) -> Result<Self> {
        Ok(Module { field: JsonField::new(params.get_or("field", "items")) })
    }
}

impl ArrayMap for Module {
    fn array_map<'a>(&mut self, record: Record<'a>) -> Result<Vec<Record<'a>>> {
        let elements = match self.field.find(&record).and_then(|v| v.array()) {
            Some(elements) => elements,
            None => return Ok(Vec::new()),
        };
        Ok(elements.map(|e| record.with_value(e.raw().to_vec())).collect())
    }
}

sluice_sdk::array_map!(Module);
