//! A filter: keeps the records whose JSON value has the top-level field `field` equal to
//! `value` (params; defaults "level" and "error").
use sluice_sdk::{Filter, Init, JsonField, Params, Record, Result};

pub struct Module {
    field: JsonField,
    value: Vec<u8>,
}

impl Init for Module {
    fn init(params: &Params) -> Result<Self> {
        Ok(Module {
            field: JsonField::new(params.get_or("field", "level")),
            value: params.get_or("value", "error").as_bytes().to_vec(),
        })
    }
}

impl Filter for Module {
    fn filter(&mut self, record: &Record) -> Result<bool> {
        Ok(self.field.find(record).map_or(false, |v| v.equals_text(&self.value)))
    }
}

sluice_sdk::filter!(Module);
