//! A map: upper-cases each record's value (read as UTF-8 text); key, timestamp and headers stay.
use sluice_sdk::{Init, Map, Params, Record, Result};

pub struct Module;

impl Init for Module {
    fn init(_params: &Params) -> Result<Self> {
        Ok(Module)
    }
}

impl Map for Module {
    fn map<'a>(&mut self, mut record: Record<'a>) -> Result<Record<'a>> {
        if let Some(upper) = record.value_str().map(|text| text.to_uppercase()) {
            record.set_value(upper.into_bytes());
        }
        Ok(record)
    }
}

sluice_sdk::map!(Module);
