//! filter_map: emits the raw JSON of one top-level field as the record's new value and drops
//! records that lack it; with min=N it also drops records whose field is not a number ≥ N.
//! The twin of modules/json-filter-map.
use sluice_sdk::{FilterMap, Init, JsonField, Params, Record, Result};

pub struct JsonFilterMap {
    field: JsonField,
    min: Option<f64>,
}

impl Init for JsonFilterMap {
    fn init(params: &Params) -> Result<Self> {
        Ok(JsonFilterMap { field: JsonField::new(params.get_or("field", "value")), min: params.number("min")? })
    }
}

impl FilterMap for JsonFilterMap {
    fn filter_map<'a>(&mut self, mut record: Record<'a>) -> Result<Option<Record<'a>>> {
        let raw = match self.field.find(&record) {
            Some(v) => {
                if let Some(min) = self.min {
                    match v.number() {
                        Some(n) if n >= min => {}
                        _ => return Ok(None),
                    }
                }
                v.raw().to_vec()
            }
            None => return Ok(None),
        };
        record.set_value(raw);
        Ok(Some(record))
    }
}

sluice_sdk::filter_map!(JsonFilterMap);
